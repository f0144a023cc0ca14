"""``tierdesk kb import`` and ``tierdesk kb search``: JSON lines, idempotent re-imports."""

from __future__ import annotations

import gzip
import json

from tierdesk.cli import main
from tierdesk.crm.models import Product
from tierdesk.kb.importing import read_source
from tierdesk.kb.models import Article, State


def _lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _corpus(tmp_path):
    (tmp_path / "backup.md").write_text(
        "---\nvisibility: public\ntags: [backup, restore]\n---\n"
        "# Restoring a backup\n\nRun *restore*.\n"
    )
    (tmp_path / "upgrade.txt").write_text(
        "Upgrading to 3.0\n================\n\nStop the worker.\n"
    )
    (tmp_path / "notes.md.gz").write_bytes(gzip.compress(b"Plain first line\nsecond line\n"))
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe not utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    return tmp_path


def test_import_prints_one_line_per_file_and_publishes(db, tmp_path, capsys):
    assert main(["kb", "import", str(_corpus(tmp_path)), "--section", "faq"]) == 1
    lines = {line["source"]: line for line in _lines(capsys)}
    assert set(lines) == {"backup.md", "upgrade.txt", "notes.md.gz", "bad.md"}
    assert lines["bad.md"]["action"] == "failed" and lines["bad.md"]["reason"]
    assert lines["backup.md"] == {
        "source": "backup.md", "action": "created", "article": "restoring-a-backup", "reason": None
    }  # fmt: skip
    article = Article.objects.get(slug="restoring-a-backup")
    assert (article.state, article.visibility, article.tags) == (
        State.PUBLISHED, "public", ["backup", "restore"]
    )  # fmt: skip
    assert Article.objects.get(source="upgrade.txt").visibility == "internal"


def test_a_second_import_updates_only_what_changed(db, tmp_path, capsys):
    main(["kb", "import", str(_corpus(tmp_path)), "--section", "faq"])
    capsys.readouterr()
    (tmp_path / "upgrade.txt").write_text("Upgrading to 3.1\n================\n\nStop it.\n")
    main(["kb", "import", str(tmp_path), "--section", "faq"])
    actions = {line["source"]: line["action"] for line in _lines(capsys)}
    assert actions == {
        "backup.md": "unchanged", "upgrade.txt": "updated", "notes.md.gz": "unchanged",
        "bad.md": "failed",
    }  # fmt: skip
    article = Article.objects.get(source="upgrade.txt")
    assert article.published_revision.title == "Upgrading to 3.1"


def test_search_prints_results_best_first_as_anonymous_unless_told(world, tmp_path, capsys):
    main(["kb", "import", str(_corpus(tmp_path)), "--section", "faq"])
    capsys.readouterr()
    assert main(["kb", "search", "restore backup"]) == 0
    (hit,) = _lines(capsys)
    assert (hit["article"], hit["title"], hit["source"]) == (
        "restoring-a-backup", "Restoring a backup", "backup.md"
    )  # fmt: skip
    assert isinstance(hit["score"], float)
    main(["kb", "search", "worker"])
    assert _lines(capsys) == []  # internal: not for anonymous visitors
    main(["kb", "search", "worker", "--as", "l2"])
    assert [hit["source"] for hit in _lines(capsys)] == ["upgrade.txt"]


def test_titles_come_from_atx_or_setext_headings_else_the_first_line(tmp_path):
    cases = {
        "a.md": ("Intro\n\n## The title ##\nBody", "The title"),
        "b.md": ("The title\n===\nBody", "The title"),
        "c.txt": ("\n\nThe title\nBody", "The title"),
    }
    for name, (text, title) in cases.items():
        (tmp_path / name).write_text(text)
        assert read_source(tmp_path / name).title == title


def _snapshot():
    return {
        a.slug: (
            a.section.slug, a.visibility, a.tags, a.published_revision.title,
            a.published_revision.summary, a.published_revision.body.strip(),
            sorted(p.slug for p in a.products.all()), a.version_lines,
        )
        for a in Article.objects.select_related("section", "published_revision")
        .filter(published_revision__isnull=False)
    }  # fmt: skip


def test_export_then_import_gives_back_the_same_articles(db, tmp_path, capsys):
    source, exported = tmp_path / "source", tmp_path / "exported"
    source.mkdir()
    Product.objects.create(name="Tierdesk Server", slug="server")
    (source / "table.md").write_text(
        "---\nvisibility: customers\ntags: [sizing, 'disk: space']\nsection: setup\n"
        "products: [server]\nversions: 2, 3.1\n---\n"
        '# Sizing the server: "disk" and memory\n\n## Disk\n\n| role | GB |\n|---|---|\n'
        "| db | 40 |\n\n```\ntierdesk up\n```\n"
    )
    (source / "plain.txt").write_text("Just one line of text\nand its body.\n")
    main(["kb", "import", str(source), "--section", "faq", "--visibility", "public"])
    before = _snapshot()
    capsys.readouterr()
    assert main(["kb", "export", str(exported)]) == 0
    files = {line["file"] for line in _lines(capsys)}
    assert files == {f"{s[0]}/{slug}.md" for slug, s in before.items()}
    Article.objects.all().delete()
    assert main(["kb", "import", str(exported)]) == 0
    assert {line["action"] for line in _lines(capsys)} == {"created"}
    assert _snapshot() == before
    # And importing the export again changes nothing.
    main(["kb", "import", str(exported)])
    assert {line["action"] for line in _lines(capsys)} == {"unchanged"}


def test_front_matter_names_products_by_slug_or_name_and_an_unknown_one_fails(db, tmp_path, capsys):
    server = Product.objects.create(name="Tierdesk Server", slug="server")
    agent = Product.objects.create(name="Tierdesk Agent", slug="agent")
    (tmp_path / "both.md").write_text(
        "---\nproducts:\n  - server\n  - tierdesk agent\n---\n# Ports to open\n\n443.\n"
    )
    (tmp_path / "typo.md").write_text("---\nproducts: [servr]\n---\n# Proxies\n\nNone.\n")
    assert main(["kb", "import", str(tmp_path), "--section", "faq"]) == 1
    lines = {line["source"]: line for line in _lines(capsys)}
    assert lines["both.md"]["action"] == "created"
    assert set(Article.objects.get(source="both.md").products.all()) == {server, agent}
    assert lines["typo.md"]["action"] == "failed"
    assert lines["typo.md"]["reason"] == "products: No such product: servr."
    assert not Article.objects.filter(source="typo.md").exists()
    # The file is what an imported article says: without the key, no products.
    (tmp_path / "both.md").write_text("# Ports to open\n\n443 and 8443.\n")
    main(["kb", "import", str(tmp_path), "--section", "faq"])
    assert not Article.objects.get(source="both.md").products.exists()
