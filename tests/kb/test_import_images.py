"""``tierdesk kb import`` uploads the images a file shows by a relative path, from beside it;
``tierdesk kb export`` writes them back where the text names them: a round trip."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tierdesk.cli import main
from tierdesk.core.attachments import store
from tierdesk.kb.importing import Source
from tierdesk.kb.models import Article, ArticleAttachment, Revision, Section
from tierdesk.kb.rendering import with_files
from tierdesk.kb.services import ImportFile, articles_import

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
PNG_2 = b"\x89PNG\r\n\x1a\n" + b"\x02" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x03" * 40
GIF = b"GIF89a" + b"\x04" * 40
LOGO = b"\x89PNG\r\n\x1a\n" + b"\x05" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _write(root, files):
    """Text and bytes at their paths under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def _docs(root):
    """A directory of articles showing images: in a subfolder, beside them, nested and one
    folder up (still inside the directory)."""
    return _write(
        root,
        {
            "network.md": "---\nvisibility: public\n---\n# Network layout\n\n"
            "![Network](images/net.png)\n\n![Shot](./shot.jpg)\n",
            "images/net.png": PNG,
            "shot.jpg": JPEG,
            "guides/printer.md": "---\nvisibility: public\n---\n# Printer setup\n\n"
            "![Logo](../shared/logo.png) and ![Steps](img/steps/one.gif)\n",
            "guides/img/steps/one.gif": GIF,
            "shared/logo.png": LOGO,
        },
    )


def _import(root, capsys, *extra):
    code = main(["kb", "import", str(root), "--section", "faq", *extra])
    return code, {line["source"]: line for line in _lines(capsys)}


def _served(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _files(article):
    """The article's current files: name -> bytes."""
    found = {}
    for row in ArticleAttachment.objects.filter(article=article, removed_at__isnull=True):
        with row.file.open("rb") as stream:
            found[row.filename] = stream.read()
    return found


def test_an_import_uploads_the_images_a_file_shows_and_both_pages_show_them(
    world, tmp_path, capsys
):
    code, lines = _import(_docs(tmp_path / "docs"), capsys)
    assert code == 0
    assert {line["action"] for line in lines.values()} == {"created"}
    network = Article.objects.get(source="network.md")
    printer = Article.objects.get(source="guides/printer.md")
    assert _files(network) == {"net.png": PNG, "shot.jpg": JPEG}
    assert _files(printer) == {"logo.png": LOGO, "one.gif": GIF}
    # The text keeps its links as written; the pages point them at the article's files.
    assert "![Network](images/net.png)" in network.published_revision.body

    visitor = Client()
    page = visitor.get(f"/kb/articles/{network.slug}/").content.decode()
    url = f"/kb/articles/{network.slug}/files/net.png"
    assert f'<img src="{url}" alt="Network">' in page
    assert f'<img src="/kb/articles/{network.slug}/files/shot.jpg" alt="Shot">' in page
    assert _served(visitor.get(url)) == PNG
    page = visitor.get(f"/kb/articles/{printer.slug}/").content.decode()
    assert f'src="/kb/articles/{printer.slug}/files/logo.png"' in page
    assert _served(visitor.get(f"/kb/articles/{printer.slug}/files/one.gif")) == GIF

    agent = Client()
    agent.force_login(world.l1)
    desk = agent.get(f"/desk/kb/articles/{network.slug}/").content.decode()
    url = f"/desk/kb/articles/{network.slug}/files/net.png"
    assert f'<img src="{url}" alt="Network">' in desk
    assert _served(agent.get(url)) == PNG


def test_importing_again_changes_nothing_and_a_changed_image_updates_its_article(
    db, tmp_path, capsys
):
    docs = _docs(tmp_path / "docs")
    _import(docs, capsys)
    rows = ArticleAttachment.objects.count()
    code, lines = _import(docs, capsys)
    assert code == 0
    assert {line["action"] for line in lines.values()} == {"unchanged"}
    assert ArticleAttachment.objects.count() == rows

    (docs / "images/net.png").write_bytes(PNG_2)
    _, lines = _import(docs, capsys)
    assert {source: line["action"] for source, line in lines.items()} == {
        "network.md": "updated", "guides/printer.md": "unchanged"
    }  # fmt: skip
    network = Article.objects.get(source="network.md")
    assert _files(network) == {"net.png": PNG_2, "shot.jpg": JPEG}  # the same shot.jpg row
    assert ArticleAttachment.objects.count() == rows + 1
    old = ArticleAttachment.objects.get(article=network, sha256=hashlib.sha256(PNG).hexdigest())
    assert old.removed_at == network.published_at  # replaced, as the editor's remove does
    served = Client().get(f"/kb/articles/{network.slug}/files/net.png")
    assert _served(served) == PNG_2


def test_a_missing_image_or_one_outside_the_directory_is_left_out_with_a_note(db, tmp_path, capsys):
    (tmp_path / "secret.png").write_bytes(PNG)
    docs = _write(
        tmp_path / "docs",
        {
            "fine.md": "# Fine\n\n![Net](images/net.png)\n",
            "images/net.png": PNG,
            "missing.md": "# Missing\n\n![Net](images/net.png) ![Gone](images/gone.png)\n",
            "escape.md": "# Escape\n\n![Secret](../secret.png)\n",
            "linked.md": "# Linked\n\n![Secret](linked.png)\n",
            "elsewhere.md": "# Elsewhere\n\n![A](https://example.com/a.png) ![B](/static/b.png)\n",
        },
    )
    (docs / "linked.png").symlink_to(tmp_path / "secret.png")
    code, lines = _import(docs, capsys)
    assert code == 0  # the text of every file is imported
    assert {source: line["action"] for source, line in lines.items()} == dict.fromkeys(
        lines, "created"
    )
    reasons = {source: line["reason"] for source, line in lines.items()}
    assert reasons == {
        "fine.md": None,
        "missing.md": "image images/gone.png: not found, not uploaded",
        "escape.md": "image ../secret.png: outside the imported directory, not uploaded",
        "linked.md": "image linked.png: outside the imported directory, not uploaded",
        "elsewhere.md": None,  # a URL or a path from the root is no image beside the file
    }
    files = ArticleAttachment.objects.values_list("article__source", "filename")
    assert sorted(files) == [("fine.md", "net.png"), ("missing.md", "net.png")]
    # Nothing from outside the directory is attached.
    assert not ArticleAttachment.objects.filter(article__source__in=["escape.md", "linked.md"])

    # The missing image turns up: importing again uploads it.
    (docs / "images" / "gone.png").write_bytes(PNG_2)
    code, lines = _import(docs, capsys)
    assert lines["missing.md"] == {
        "source": "missing.md", "action": "updated", "article": lines["missing.md"]["article"],
        "reason": None,
    }  # fmt: skip
    assert lines["fine.md"]["action"] == "unchanged"
    missing = Article.objects.get(source="missing.md")
    assert _files(missing) == {"net.png": PNG, "gone.png": PNG_2}


def test_an_image_past_the_size_limit_or_two_of_one_name_are_left_out_with_a_note(
    db, settings, tmp_path, capsys
):
    settings.TIERDESK_ATTACHMENT_MAX_BYTES = 100
    docs = _write(
        tmp_path / "docs",
        {
            "large.md": "# Large\n\n![Big](big.png)\n",
            "big.png": PNG + b"\x00" * 100,
            "twins.md": "# Twins\n\n![A](a/logo.png) ![B](b/logo.png) ![N](net.png)\n",
            "a/logo.png": PNG,
            "b/logo.png": PNG_2,
            "net.png": PNG,
            "same.md": "# Same\n\n![A](a/logo.png) ![A again](./a/logo.png)\n",
        },
    )
    code, lines = _import(docs, capsys)
    assert code == 0
    assert lines["large.md"]["reason"] == (
        "image big.png: big.png is 148 bytes; the limit is 100 bytes. Not uploaded."
    )
    assert lines["twins.md"]["reason"] == (
        "images: two different images are named logo.png, neither uploaded"
    )
    assert lines["same.md"] == {**lines["same.md"], "action": "created", "reason": None}
    assert _files(Article.objects.get(source="twins.md")) == {"net.png": PNG}
    assert _files(Article.objects.get(source="large.md")) == {}


def test_a_batch_adds_its_images_in_the_same_statements_whatever_its_size(db):
    section = Section.objects.get(slug="faq")
    stored = [store(stream=io.BytesIO(PNG + bytes([n])), filename=f"{n}.png") for n in range(8)]

    def statements(first: int, count: int) -> int:
        files = [
            ImportFile(
                f"{n}.md",
                Source(f"Article {n}", f"![x]({n}.png)", f"d{n}"),
                section,
                "public",
                (stored[n],),
            )
            for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as queries:
            assert {o.action for o in articles_import(files=files)} == {"created"}
        return len(queries)

    assert statements(0, 2) == statements(2, 6)
    assert ArticleAttachment.objects.count() == 8


def test_export_writes_the_images_back_and_importing_it_gives_the_same_bytes(db, tmp_path, capsys):
    _import(_docs(tmp_path / "docs"), capsys)
    before = {a.slug: _files(a) for a in Article.objects.all()}
    exported = tmp_path / "exported"
    assert main(["kb", "export", str(exported)]) == 0
    lines = {line["article"]: line for line in _lines(capsys)}
    network = Article.objects.get(source="network.md").slug
    assert lines[network]["images"] == ["faq/images/net.png", "faq/shot.jpg"]
    assert lines[network]["skipped"] == []
    assert (exported / "faq/images/net.png").read_bytes() == PNG
    assert (exported / "shared/logo.png").read_bytes() == LOGO  # ../shared from faq/

    Article.objects.all().delete()
    code, lines = _import(exported, capsys)
    assert code == 0 and {line["action"] for line in lines.values()} == {"created"}
    assert {a.slug: _files(a) for a in Article.objects.all()} == before
    _, lines = _import(exported, capsys)
    assert {line["action"] for line in lines.values()} == {"unchanged"}


def test_export_never_writes_an_image_outside_its_directory(db, tmp_path, capsys):
    docs = _write(
        tmp_path / "docs",
        {
            "a/b/deep.md": "# Deep\n\n![Logo](../../logo.png)\n",
            "logo.png": LOGO,
        },
    )
    _import(docs, capsys)
    # And an image no file of the article has (an author's text may show one).
    Revision.objects.update(body="![Logo](../../logo.png) ![Gone](gone.png)")
    assert main(["kb", "export", str(tmp_path / "out" / "exported")]) == 0
    (line,) = _lines(capsys)
    # From out/exported/faq/, ../../logo.png is out/logo.png: outside, not written.
    assert line["images"] == []
    assert line["skipped"] == [
        "image ../../logo.png: outside DIR, not written",
        "image gone.png: not one of the article's files",
    ]
    assert not (tmp_path / "out" / "logo.png").exists()


def test_pages_find_an_image_by_its_relative_paths_base_name_only(db):
    files = [ArticleAttachment(filename="net.png"), ArticleAttachment(filename="guide.pdf")]

    def shown(body_html: str) -> str:
        return with_files(body_html, files, lambda name: f"/files/{name}")

    assert shown('<img src="images/net.png" alt="">') == '<img src="/files/net.png" alt="">'
    assert shown('<img src="../a/b/net.png">') == '<img src="/files/net.png">'
    assert shown('<a href="./guide.pdf">') == '<a href="/files/guide.pdf">'
    for unchanged in [
        '<img src="/images/net.png">',
        '<img src="https://example.com/net.png">',
        '<img src="//example.com/net.png">',
        '<a href="docs/guide.pdf">',  # a link names a file exactly, as before
    ]:
        assert shown(unchanged) == unchanged
