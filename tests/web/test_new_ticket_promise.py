"""The new-ticket pages show an emergency's call-back from the one home of the promise: the
portal's form says it, and the desk's preview says it as soon as "emergency" is ticked."""

from __future__ import annotations

from django.test import Client


def test_the_portal_new_ticket_page_states_the_call_back(world, settings):
    settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES = 30
    client = Client()
    client.force_login(world.acme_contact)
    page = client.get("/tickets/new/").content.decode()
    assert "call you back within <strong>30 minutes, around the clock</strong>" in page
    settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES = 45
    page = client.get("/tickets/new/").content.decode()
    assert "45 minutes, around the clock" in page


def test_the_desk_preview_of_an_emergency_is_the_call_back(world):
    client = Client()
    client.force_login(world.l1)
    url = f"/desk/tickets/new/commitment/?party=organization:{world.acme.pk}"
    emergency = client.get(url + "&is_emergency=on").content.decode()
    assert "Call-back" in emergency and "30 minutes, around the clock" in emergency
    ordinary = client.get(url + "&priority=1").content.decode()
    assert "First response" in ordinary and "30 minutes, around the clock" not in ordinary
