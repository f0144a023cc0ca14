"""Every download-centre URL and API endpoint, walked by every persona: a file one may not
download is a 404 exactly like a missing one (anonymous visitors are sent to sign in), the
agents' pages are 404 for everybody else, and lists hold only what the caller may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS, ApiClient
from tests.downloads.conftest import EXPECTED_DOWNLOADS, drain
from tierdesk.downloads.models import Download
from tierdesk.downloads.paths import file_url, signature_url
from tierdesk.downloads.services import release_signature_add
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.models import TicketType

EVERYONE = [None, *PERSONAS]
AGENTS = ["l1", "l1_other", "l2", "l3", "manager", "admin", "partner_agent", "other_partner_agent"]
CONTACTS = [
    "acme_contact",
    "acme_colleague",
    "globex_contact",
    "cobalt_contact",
    "umbrella_contact",
]
NAMES = ["old", "late", "v3", "public", "draft"]

# Every named URL of the app and how this file calls it; a new page fails the first test until
# it is added here.
COVERED = {
    "downloads:index", "downloads:product", "downloads:feed", "downloads:follow",
    "downloads:version", "downloads:file", "downloads:signature", "downloads:link",
    "downloads:manage", "downloads:manage_release_new", "downloads:manage_release",
    "downloads:manage_release_upload", "downloads:manage_release_publish",
    "downloads:manage_release_fixes", "downloads:ticket_panel", "downloads:manage_organization",
    "downloads:manage_mail_link",
}  # fmt: skip


def client_for(world: Any, persona: str | None) -> Client:
    client = Client()
    if persona is not None:
        client.force_login(world.persona(persona))
    return client


def test_every_download_url_is_covered() -> None:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "downloads":
            names |= {
                f"downloads:{p.name}" for p in entry.url_patterns if isinstance(p, URLPattern)
            }
    assert names == COVERED


@pytest.mark.parametrize("persona", EVERYONE)
def test_each_file_answers_only_the_entitled(world, catalogue, persona, tmp_path):
    client = client_for(world, persona)
    old = catalogue.file(catalogue.old)
    release_signature_add(actor=catalogue.manager, file=old, path=_signature(tmp_path))
    for name in NAMES:
        file = catalogue.file(catalogue.releases()[name])
        file.refresh_from_db()
        urls = [file_url(file)] + ([signature_url(file)] if file.signature_name else [])
        for url in urls:
            response = client.get(url)
            if name in EXPECTED_DOWNLOADS[persona]:
                assert response.status_code == 200, (url, persona)
            elif persona is None:
                assert response.status_code == 302, url
                assert response["Location"].startswith("/accounts/login/")
            else:
                assert response.status_code == 404, (url, persona)
            drain(response)


def _signature(directory: Path) -> Path:
    path = directory / "ledger-2.4.zip.asc"
    path.write_bytes(b"-----BEGIN PGP SIGNATURE-----\n")
    return path


def test_a_missing_file_and_a_forbidden_one_look_the_same(world, catalogue):
    client = client_for(world, "globex_contact")
    forbidden = client.get(file_url(catalogue.file(catalogue.old)))
    missing = client.get("/downloads/files/999999/ledger-2.4.zip")
    assert forbidden.status_code == missing.status_code == 404
    assert b"ledger" not in forbidden.content.replace(b"/downloads/files/", b"")


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_downloads_page_lists_exactly_what_one_may_download(world, catalogue, persona):
    page = client_for(world, persona).get("/downloads/")
    assert page.status_code == 200
    listed = {
        release.pk
        for group in page.context["products"]
        for version in group.versions
        for release in version.releases
    }
    expected = {catalogue.releases()[n].pk for n in EXPECTED_DOWNLOADS[persona] - {"draft"}}
    assert listed == expected
    for name in NAMES:
        file = catalogue.file(catalogue.releases()[name])
        assert (file.sha256 in page.content.decode()) is (file.release_id in expected)


@pytest.mark.parametrize("persona", EVERYONE)
def test_release_notes_pages_and_the_feed_answer_everybody(world, catalogue, persona):
    client = client_for(world, persona)
    assert client.get("/downloads/products/ledger/").status_code == 200
    assert client.get("/downloads/products/ledger/2.4/").status_code == 200
    feed = client.get("/downloads/products/ledger/feed.atom")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert client.get("/downloads/products/nothing/").status_code == 404
    assert client.get("/downloads/products/ledger/9.9/").status_code == 404
    draft_page = client.get("/downloads/products/ledger/3.1/")
    assert draft_page.status_code == (200 if persona in {"l3", "admin"} else 404)


def test_customers_only_notes_are_hidden_from_anonymous_visitors_and_the_feed(world, catalogue):
    catalogue.v3.notes_public = False
    catalogue.v3.save()
    anonymous = Client()
    assert b"Notes of ledger-3.0.zip" not in anonymous.get("/downloads/products/ledger/").content
    assert b"ledger-3.0" not in anonymous.get("/downloads/products/ledger/feed.atom").content
    assert anonymous.get("/downloads/products/ledger/3.0/").status_code == 404
    contact = client_for(world, "globex_contact")
    assert b"Notes of ledger-3.0.zip" in contact.get("/downloads/products/ledger/").content


@pytest.mark.parametrize("persona", EVERYONE)
def test_only_contacts_follow_products(world, catalogue, persona):
    response = client_for(world, persona).post("/downloads/products/ledger/follow/")
    if persona in CONTACTS:
        assert response.status_code == 302
    elif persona is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 404


def _defect(world: Any) -> Any:
    return ticket_services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Totals wrong", body="Bad.",
        type=TicketType.DEFECT,
    )  # fmt: skip


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_agents_pages_are_404_for_everybody_else(world, catalogue, persona):
    ticket = _defect(world)
    client = client_for(world, persona)
    draft = catalogue.draft.pk
    file = catalogue.file(catalogue.old).pk
    calls = [
        ("get", reverse("downloads:manage"), {}),
        ("post", reverse("downloads:manage_release_new"),
         {"product": "x", "version": "1", "kind": "full"}),
        ("get", reverse("downloads:manage_release", kwargs={"pk": draft}), {}),
        ("post", reverse("downloads:manage_release", kwargs={"pk": draft}), {"title": "Taken"}),
        ("post", reverse("downloads:manage_release_upload", kwargs={"pk": draft}), {}),
        ("post", reverse("downloads:manage_release_fixes", kwargs={"pk": draft}),
         {"tickets": ticket.reference}),
        ("post", reverse("downloads:manage_release_publish", kwargs={"pk": draft}), {}),
        ("get", reverse("downloads:ticket_panel", kwargs={"ref": ticket.reference}), {}),
        ("get", reverse("downloads:manage_organization", kwargs={"pk": world.acme.pk}), {}),
        ("post", reverse("downloads:manage_mail_link", kwargs={"pk": file}),
         {"contact": world.acme_contact.contact.pk}),
    ]  # fmt: skip
    panel = reverse("downloads:ticket_panel", kwargs={"ref": ticket.reference})
    sees_ticket = persona is not None and ticket_policies.can(
        world.persona(persona), ticket_policies.VIEW, ticket
    )
    for method, url, data in calls:
        response = getattr(client, method)(url, data)
        if url == panel and persona not in CONTACTS and persona is not None:
            assert response.status_code == (200 if sees_ticket else 404), persona
        elif persona is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/")
        elif persona in CONTACTS:
            assert response.status_code == 404, (url, persona)
        elif persona in {"l3", "admin"}:  # release managers
            assert response.status_code in {200, 302}, (url, persona, response.status_code)
        elif persona in {"partner_agent", "other_partner_agent"}:
            # Acme is no customer of theirs; the releases are not theirs to manage.
            expected = {200} if url == reverse("downloads:manage") else {404}
            assert response.status_code in expected, (url, persona, response.status_code)
        else:  # other vendor agents read, may not manage
            reads = {reverse("downloads:manage"), panel, calls[8][1], calls[9][1]}
            expected = {200, 302} if url in reads else {404}
            assert response.status_code in expected, (url, persona, response.status_code)
    assert catalogue.draft.__class__.objects.get(pk=draft).state == (
        "published" if persona in {"l3", "admin"} else "draft"
    )


def test_a_partner_sees_its_customers_organization_page_only(world, catalogue):
    partner = client_for(world, "partner_agent")
    assert partner.get(f"/downloads/manage/organizations/{world.cobalt.pk}/").status_code == 200
    assert partner.get(f"/downloads/manage/organizations/{world.umbrella.pk}/").status_code == 404


# ---- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [p for p in EVERYONE if p is not None])
def test_the_api_lists_files_only_where_one_may_download(world, catalogue, persona):
    api = ApiClient(world.persona(persona))
    items = api.get("/api/v1/downloads/releases", limit=100).json()["items"]
    with_files = {i["id"] for i in items if i["files"] is not None}
    expected = {catalogue.releases()[n].pk for n in EXPECTED_DOWNLOADS[persona]}
    assert with_files == expected
    draft = api.get(f"/api/v1/downloads/releases/{catalogue.draft.pk}")
    assert draft.status_code == (200 if persona in {"l3", "admin"} else 404)


@pytest.mark.parametrize("persona", [p for p in EVERYONE if p is not None])
def test_only_release_managers_publish_through_the_api(world, catalogue, persona):
    api = ApiClient(world.persona(persona))
    published = api.post(f"/api/v1/downloads/releases/{catalogue.draft.pk}/publish")
    assert published.status_code == (200 if persona in {"l3", "admin"} else 404)


def test_the_download_log_is_seen_per_organization(world, catalogue):
    for persona in ("acme_contact", "cobalt_contact"):
        response = client_for(world, persona).get(file_url(catalogue.file(catalogue.old)))
        drain(response)
    assert Download.objects.count() == 2

    def seen(persona: str, **query: Any) -> Any:
        response = ApiClient(world.persona(persona)).get("/api/v1/downloads/log", **query)
        return response

    assert {r["organization"]["name"] for r in seen("acme_contact").json()["items"]} == {
        "Acme Retail"
    }
    assert {r["organization"]["name"] for r in seen("partner_agent").json()["items"]} == {
        "Cobalt Clinics"
    }
    assert len(seen("l1").json()["items"]) == 2
    assert seen("globex_contact", organization=world.acme.pk).status_code == 404
    assert seen("partner_agent", organization=world.acme.pk).status_code == 404
    assert seen("other_partner_agent").json()["items"] == []


def test_entitlements_over_the_api(world, catalogue):
    mine = ApiClient(world.acme_contact).get("/api/v1/downloads/entitlements").json()
    assert [(e["organization"], e["product"]) for e in mine] == [(world.acme.pk, "ledger")]
    staff = ApiClient(world.l1).get("/api/v1/downloads/entitlements", organization=world.cobalt.pk)
    assert staff.json()[0]["version_lines"] == ["2"]
    other = ApiClient(world.globex_contact).get(
        "/api/v1/downloads/entitlements", organization=world.acme.pk
    )
    assert other.status_code == 404
