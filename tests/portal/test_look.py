"""The look shared by the desk and the portal: error pages in the product's look (the 500 page
without the database), sign-in text that matches the sign-up setting, icons from the app's SVG
set and no emoji, and messages that say whose words they hold and where they were written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory

from tierdesk.core.error_views import permission_denied, server_error
from tierdesk.core.templatetags.tierdesk_ui import icon_html
from tierdesk.desk.auth import AccountAdapter
from tierdesk.tickets import services
from tierdesk.tickets.models import Channel, Message

SOURCE = Path(__file__).resolve().parents[2] / "src" / "tierdesk"
# Pictographs and the symbols the desk once used as icons (they render as empty boxes).
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u23e9-\u23fa\u25f7]")


def test_a_missing_page_has_the_products_look_and_navigation(desk, client_as):
    response = client_as("acme_contact").get("/tickets/TD-999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="navbar' in html
    assert 'href="/tickets/"' in html  # the contact's way back to their tickets


def test_the_forbidden_page_has_the_products_look(rf: RequestFactory, db):
    response = permission_denied(rf.get("/somewhere/"), PermissionDenied())
    assert response.status_code == 403 and "You may not do this" in response.content.decode()


def test_the_server_error_page_needs_no_database(rf: RequestFactory, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/broken/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "Support policy" in html


def test_the_server_error_page_shows_with_the_database_gone(rf: RequestFactory, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the database is down")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refuse)
        assert server_error(rf.get("/broken/")).status_code == 500


def test_sign_in_does_not_invite_to_sign_up_while_sign_up_is_closed(client):
    html = client.get("/accounts/login/").content.decode()
    assert "sign up" not in html.lower() and "administrator" in html


def test_sign_in_invites_to_sign_up_when_it_is_open(client, monkeypatch):
    monkeypatch.setattr(AccountAdapter, "is_open_for_signup", lambda self, request: True)
    assert "sign up" in client.get("/accounts/login/").content.decode()


def test_no_template_script_or_stylesheet_uses_emoji():
    offenders = [
        f"{path.relative_to(SOURCE)}: {match.group()!r}"
        for path in SOURCE.rglob("*")
        if path.suffix in {".html", ".js", ".css", ".txt"} and "vendor" not in path.parts
        for match in EMOJI.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_an_icon_is_a_symbol_of_the_apps_svg_set():
    sprite = (SOURCE / "core" / "static" / "tierdesk" / "icons.svg").read_text()
    html = icon_html("paperclip")
    assert 'aria-hidden="true"' in html and "/static/tierdesk/icons.svg#paperclip" in html
    assert '<symbol id="paperclip"' in sprite
    assert 'aria-label="Overdue"' in icon_html("breach", "Overdue")
    with pytest.raises(ValueError):
        icon_html("no-such-icon")


def test_a_ticket_an_agent_opens_for_a_customer_holds_the_customers_words(desk, client_as, world):
    ticket = services.ticket_open(
        actor=world.l1, organization=world.acme, subject="Call: printer offline",
        body="The printer in hall 2 is offline.", channel=Channel.PHONE,
        reporter=world.acme_contact.contact,
    )  # fmt: skip
    first = Message.objects.get(ticket=ticket)
    assert (first.by_agent, first.author_contact_id, first.author_id) == (
        False, world.acme_contact.contact.pk, world.l1.pk,
    )  # fmt: skip
    html = client_as("l1").get(f"/desk/tickets/{ticket.reference}/").content.decode()
    header = html[html.index('<article class="message') :]
    header = header[: header.index("</header>")]
    assert "acme_contact" in header and "Customer, recorded by l1" in header
    assert "Reply" not in header and "Phone" in header


def test_an_agents_reply_in_the_desk_is_not_labelled_portal(desk, client_as, world):
    client_as("l1").post(
        f"/desk/tickets/{desk.acme.reference}/messages/", {"kind": "reply", "body": "On it."}
    )
    reply = Message.objects.get(ticket=desk.acme, body="On it.")
    assert reply.by_agent and reply.channel == Channel.EMAIL  # it reaches the customer by mail
    customer = Message.objects.filter(ticket=desk.acme, by_agent=False).first()
    assert customer is not None and customer.channel == Channel.PORTAL
