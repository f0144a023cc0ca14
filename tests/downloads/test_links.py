"""Signed download links mailed to a contact: they work without signing in while the contact's
organization is entitled, and are 404 when expired, tampered with, or no longer covered."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from tests.downloads.conftest import drain, sha256
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.crm.models import Subscription
from tierdesk.downloads.announcing import download_link_mail
from tierdesk.downloads.links import link_token
from tierdesk.downloads.models import Download
from tierdesk.downloads.paths import file_url
from tierdesk.mail.models import OutboundMail


def _path(link: str) -> str:
    return link[link.index("/downloads/links/") :]


def test_a_mailed_link_downloads_without_signing_in_and_is_logged(world, catalogue):
    file = catalogue.file(catalogue.old)
    contact = world.acme_contact.contact
    link = download_link_mail(actor=world.l1, contact=contact, file=file)
    mail = OutboundMail.objects.get(kind="download_link")
    assert mail.to_address == contact.email and link in mail.body and file.sha256 in mail.body
    response = Client().get(_path(link))
    assert response.status_code == 200
    assert sha256(b"".join(response.streaming_content)) == file.sha256
    row = Download.objects.get()
    assert (row.via, row.contact_id, row.organization_id) == ("link", contact.pk, world.acme.pk)


def test_a_tampered_link_is_404(world, catalogue):
    file = catalogue.file(catalogue.old)
    token = link_token(file_id=file.pk, contact_id=world.acme_contact.contact.pk)
    payload, signature = token.rsplit(":", 1)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["f"] = catalogue.file(catalogue.v3).pk  # another file, the same signature
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
    forged = forged_payload.decode().rstrip("=") + ":" + signature
    assert forged != token
    assert Client().get(f"/downloads/links/{token[:-2]}xx/").status_code == 404
    assert Client().get(f"/downloads/links/{forged}/").status_code == 404
    assert Client().get("/downloads/links/garbage/").status_code == 404


def test_an_expired_link_is_404(world, catalogue):
    file = catalogue.file(catalogue.old)
    token = link_token(file_id=file.pk, contact_id=world.acme_contact.contact.pk)
    with time_machine.travel(now() + timedelta(days=7, seconds=1)):
        assert Client().get(f"/downloads/links/{token}/").status_code == 404
    with time_machine.travel(now() + timedelta(days=6)):
        response = Client().get(f"/downloads/links/{token}/")
        assert response.status_code == 200
        drain(response)


def test_the_entitlement_is_checked_again_at_the_click(world, catalogue):
    file = catalogue.file(catalogue.old)
    token = link_token(file_id=file.pk, contact_id=world.acme_contact.contact.pk)
    Subscription.objects.filter(organization=world.acme).update(
        ends_on=now().date() - timedelta(days=1)
    )
    assert Client().get(f"/downloads/links/{token}/").status_code == 404
    assert not Download.objects.exists()


def test_a_link_for_a_contact_who_is_not_entitled_is_refused_and_useless(world, catalogue):
    file = catalogue.file(catalogue.old)
    globex = world.globex_contact.contact
    with pytest.raises(InvalidInput):
        download_link_mail(actor=world.l1, contact=globex, file=file)
    token = link_token(file_id=file.pk, contact_id=globex.pk)
    assert Client().get(f"/downloads/links/{token}/").status_code == 404


def test_only_agents_who_see_the_contact_mail_links(world, catalogue):
    file = catalogue.file(catalogue.old)
    acme = world.acme_contact.contact
    for persona in ("acme_colleague", "partner_agent"):
        with pytest.raises(NotFound):
            download_link_mail(actor=world.persona(persona), contact=acme, file=file)


def test_the_organization_page_shows_entitlements_history_and_mails_a_link(world, catalogue):
    client = Client()
    client.force_login(world.l1)
    acme_client = Client()
    acme_client.force_login(world.acme_contact)
    drain(acme_client.get(file_url(catalogue.file(catalogue.old))))
    page = client.get(f"/downloads/manage/organizations/{world.acme.pk}/")
    assert page.status_code == 200
    assert [s.product.slug for s, active in page.context["subscriptions"] if active] == ["ledger"]
    assert [d.file.name for d in page.context["downloads"]] == ["ledger-2.4.zip"]
    assert {f.name for f in page.context["files"]} == {"ledger-2.4.zip", "client-1.0.msi"}
    file = catalogue.file(catalogue.old)
    sent = client.post(
        f"/downloads/manage/files/{file.pk}/mail/",
        {"contact": world.acme_colleague.contact.pk, "file": file.pk},
    )
    assert sent.status_code == 302
    assert OutboundMail.objects.get(kind="download_link").to_address == world.acme_colleague.email
