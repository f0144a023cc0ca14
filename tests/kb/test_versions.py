"""The versions of its products an article applies to ("2, 3.1": 2.x and 3.1.x; none: every
version): checked by the services, written in the desk's editor, the API and imported files,
shown on the pages, exported, and asked of the API's list with ``product`` and ``version``."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.kb.conftest import publish
from tierdesk.cli import main
from tierdesk.core.errors import InvalidInput
from tierdesk.crm.models import Product
from tierdesk.kb.models import Article, Section, Visibility
from tierdesk.kb.services import article_create, article_update


def _write(world, section, title, *, products=(), versions=(), visibility=Visibility.PUBLIC):
    return article_create(
        actor=world.l1, section=section, title=title, body=f"About {title}.",
        visibility=visibility, product_ids=[p.pk for p in products], versions=list(versions),
    )  # fmt: skip


def _client(world, persona):
    client = Client()
    client.force_login(world.persona(persona))
    return client


# ---- the services ---------------------------------------------------------------------------


def test_an_article_keeps_its_version_lines_in_order_and_once(world, kb):
    article = _write(world, kb.section, "Upgrading", versions=[" 3.1", "2.x", "3.1"])
    article.refresh_from_db()
    assert article.version_lines == ["3.1", "2"]
    assert article.versions_label == "3.1.x, 2.x"


@pytest.mark.parametrize("bad", ["3..x", "3.", "latest", "2, 3", ""])
def test_a_version_that_is_no_version_line_is_refused_naming_the_field(world, kb, bad):
    with pytest.raises(InvalidInput) as refused:
        _write(world, kb.section, "Upgrading", versions=["2", bad])
    assert refused.value.field == "versions"
    assert f"{bad!r} is not a version" in refused.value.message
    assert not Article.objects.filter(slug="upgrading").exists()


def test_too_many_versions_are_refused(world, kb):
    with pytest.raises(InvalidInput, match="At most 200 characters"):
        _write(world, kb.section, "Upgrading", versions=[f"2.{n}" for n in range(60)])


def test_an_update_changes_the_versions_only_when_given(world, kb):
    article = _write(world, kb.section, "Upgrading", versions=["2"])
    article_update(actor=world.l1, article=article, title="Upgrading", body="Now.")
    assert Article.objects.get(pk=article.pk).version_lines == ["2"]
    article_update(actor=world.l1, article=article, title="Upgrading", body="Now.", versions=[])
    assert Article.objects.get(pk=article.pk).versions == ""
    with pytest.raises(InvalidInput):
        article_update(
            actor=world.l1, article=article, title="Upgrading", body="Now.", versions=["3..x"]
        )
    assert Article.objects.get(pk=article.pk).versions == ""


# ---- the API ------------------------------------------------------------------------------


def test_the_api_writes_and_reads_versions_as_lists(world, kb, api_as):
    author = api_as("l1")
    created = author.post(
        "/api/v1/kb/articles",
        {"section": kb.section.slug, "title": "Ports", "body": "443.", "versions": ["2", "3.1"],
         "visibility": "public"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["versions"] == ["2", "3.1"]
    slug = created.json()["slug"]
    changed = author.patch(
        f"/api/v1/kb/articles/{slug}", {"title": "Ports", "body": "443.", "versions": ["4"]}
    )
    assert changed.json()["versions"] == ["4"]
    kept = author.patch(f"/api/v1/kb/articles/{slug}", {"title": "Ports", "body": "8443."})
    assert kept.json()["versions"] == ["4"]

    publish(Article.objects.get(slug=slug))
    reader = api_as("acme_contact")
    assert reader.get(f"/api/v1/kb/articles/{slug}").json()["versions"] == ["4"]
    listed = {a["slug"]: a["versions"] for a in reader.get("/api/v1/kb/articles").json()["items"]}
    assert listed[slug] == ["4"]
    assert listed[kb.published[Visibility.PUBLIC].slug] == []


def test_the_api_refuses_a_bad_version_naming_the_field(world, kb, api_as):
    author = api_as("l1")
    created = author.post(
        "/api/v1/kb/articles",
        {"section": kb.section.slug, "title": "Ports", "body": "443.", "versions": ["3..x"]},
    )
    assert created.status_code == 422
    error = created.json()["error"]
    assert error["field"] == "versions" and "'3..x' is not a version" in error["message"]
    changed = author.patch(
        f"/api/v1/kb/articles/{kb.draft.slug}", {"title": "T", "body": "B", "versions": ["x"]}
    )
    assert changed.status_code == 422 and changed.json()["error"]["field"] == "versions"


@pytest.fixture
def catalogue(world, kb):
    """Published articles of the FAQ for the server and the agent, of some versions."""
    faq = Section.objects.get(slug="faq")
    server = Product.objects.create(name="Server", slug="server")
    agent = Product.objects.create(name="Agent", slug="agent")
    for title, products, versions in [
        ("Server two", [server], ["2"]),
        ("Server three one", [server], ["3.1"]),
        ("Server any", [server], []),
        ("Agent any", [agent], []),
        ("Anything", [], []),
        ("Any product two four", [], ["2.4"]),
        ("Both old", [server, agent], ["1", "2.4.1"]),
    ]:
        publish(_write(world, faq, title, products=products, versions=versions))
    return faq


def _titles(api, **query):
    response = api.get("/api/v1/kb/articles", section="faq", page_size=50, **query)
    assert response.status_code == 200, response.content
    return {a["title"] for a in response.json()["items"]}


def test_the_list_answers_the_articles_of_a_product_and_version(world, catalogue, api_as):
    api = api_as("l2")
    assert _titles(api, product="server", version="2.4") == {
        "Server two", "Server any", "Anything", "Any product two four",
    }  # fmt: skip
    assert _titles(api, product="server", version="2.4.1") == {
        "Server two", "Server any", "Anything", "Any product two four", "Both old",
    }  # fmt: skip
    # 3.1 holds 3.1.7, not 3.10; a version line is a whole item, never part of one.
    assert _titles(api, product="server", version="3.1.7") == {
        "Server three one", "Server any", "Anything",
    }  # fmt: skip
    assert "Server three one" not in _titles(api, version="3.10")
    assert _titles(api, product="agent") == {
        "Agent any", "Anything", "Any product two four", "Both old",
    }  # fmt: skip
    assert _titles(api, version="1.0") == {"Server any", "Agent any", "Anything", "Both old"}
    # A product nobody has: the articles of every product.
    assert _titles(api, product="nothing") == {"Anything", "Any product two four"}


def test_the_filtered_list_pages_in_the_database(world, catalogue, api_as):
    api = api_as("l2")
    seen: list[str] = []
    for page in (1, 2):
        body = api.get(
            "/api/v1/kb/articles", section="faq", product="server", version="2.4",
            page=page, page_size=2,
        ).json()  # fmt: skip
        seen += [a["title"] for a in body["items"]]
        assert body["has_next"] is (page == 1)
    assert len(seen) == 4 and set(seen) == _titles(api, product="server", version="2.4")


def test_the_list_refuses_a_version_that_is_none(world, catalogue, api_as):
    response = api_as("l2").get("/api/v1/kb/articles", version="../2")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "version"


def test_the_filter_keeps_to_what_the_caller_may_read(world, catalogue, api_as):
    internal = _write(world, catalogue, "Internal two", versions=["2"], visibility="internal")
    publish(internal)
    assert "Internal two" in _titles(api_as("l2"), version="2.4")
    assert "Internal two" not in _titles(api_as("acme_contact"), version="2.4")


# ---- the desk's editor and the pages ----------------------------------------------------------


def _form(article, **changes):
    data = {
        "section": article.section_id, "title": "Printer setup", "summary": "",
        "body": "Plug it in.", "visibility": Visibility.PUBLIC, "tags": "",
    }  # fmt: skip
    return {**data, **changes}


def test_the_editor_writes_and_shows_the_versions(world, kb):
    author = _client(world, "l1")
    url = f"/desk/kb/articles/{kb.draft.slug}/edit/"
    assert 'name="versions"' in author.get(url).content.decode()
    assert author.post(url, _form(kb.draft, versions="2, 3.1")).status_code == 302
    assert Article.objects.get(pk=kb.draft.pk).version_lines == ["2", "3.1"]
    assert 'value="2, 3.1"' in author.get(url).content.decode()

    refused = author.post(url, _form(kb.draft, versions="2, 3..x"))
    assert refused.status_code == 422
    assert "&#x27;3..x&#x27; is not a version" in refused.content.decode()
    assert Article.objects.get(pk=kb.draft.pk).version_lines == ["2", "3.1"]


def test_a_new_article_is_written_with_its_versions(world, kb):
    response = _client(world, "l1").post("/desk/kb/new/", _form(kb.draft, versions="4.2"))
    assert response.status_code == 302
    assert Article.objects.get(slug="printer-setup").version_lines == ["4.2"]


def test_the_pages_say_what_the_article_applies_to(world, kb):
    printer = Product.objects.create(name="Printer", slug="printer")
    scanner = Product.objects.create(name="Scanner", slug="scanner")
    article = publish(
        _write(world, kb.section, "Paper jams", products=[scanner, printer], versions=["2", "3.1"])
    )
    page = Client().get(f"/kb/articles/{article.slug}/").content.decode()
    assert "Applies to: Printer, Scanner — versions 2.x, 3.1.x" in page
    desk = _client(world, "l2").get(f"/desk/kb/articles/{article.slug}/").content.decode()
    assert "2.x, 3.1.x" in desk

    every = kb.published[Visibility.PUBLIC]
    assert (
        'id="article-applies"' not in Client().get(f"/kb/articles/{every.slug}/").content.decode()
    )
    assert (
        "every version"
        in _client(world, "l2").get(f"/desk/kb/articles/{every.slug}/").content.decode()
    )
    versions_only = publish(_write(world, kb.section, "Old ports", versions=["1"]))
    page = Client().get(f"/kb/articles/{versions_only.slug}/").content.decode()
    assert "Applies to: every product — versions 1.x" in page


# ---- import and export ----------------------------------------------------------------------


def _lines(capsys):
    return {
        line["source"]: line
        for line in map(json.loads, capsys.readouterr().out.splitlines())
        if "source" in line
    }


def test_imported_files_name_their_versions_and_a_bad_one_fails_its_file(db, tmp_path, capsys):
    (tmp_path / "list.md").write_text("---\nversions: [2, 3.1]\n---\n# Ports\n\n443.\n")
    (tmp_path / "text.md").write_text("---\nversions: 2, 3.1\n---\n# Proxies\n\nNone.\n")
    (tmp_path / "items.md").write_text("---\nversions:\n  - 4\n  - 4.1\n---\n# Disks\n\n40.\n")
    (tmp_path / "bad.md").write_text("---\nversions: [2, 3..x]\n---\n# Memory\n\n8.\n")
    assert main(["kb", "import", str(tmp_path), "--section", "faq"]) == 1
    lines = _lines(capsys)
    assert Article.objects.get(source="list.md").version_lines == ["2", "3.1"]
    assert Article.objects.get(source="text.md").version_lines == ["2", "3.1"]
    assert Article.objects.get(source="items.md").version_lines == ["4", "4.1"]
    assert lines["bad.md"]["action"] == "failed"
    assert lines["bad.md"]["reason"].startswith("versions: '3..x' is not a version")
    assert not Article.objects.filter(source="bad.md").exists()
    # The file is what an imported article says: without the key, every version.
    (tmp_path / "list.md").write_text("# Ports\n\n443 and 8443.\n")
    main(["kb", "import", str(tmp_path), "--section", "faq"])
    assert Article.objects.get(source="list.md").versions == ""


def test_the_export_writes_the_versions_back(db, tmp_path, capsys):
    source, exported = tmp_path / "source", tmp_path / "exported"
    source.mkdir()
    (source / "ports.md").write_text("---\nversions: 2, 3.1\n---\n# Ports\n\n443.\n")
    (source / "any.md").write_text("# Any version\n\nYes.\n")
    main(["kb", "import", str(source), "--section", "faq"])
    assert main(["kb", "export", str(exported)]) == 0
    assert '\nversions:\n  - "2"\n  - "3.1"\n' in (exported / "faq" / "ports.md").read_text()
    assert "versions" not in (exported / "faq" / "any-version.md").read_text()
