"""Who sees stored mail: admins and managers the whole intake; anyone who sees a ticket the
originals of its messages; a contact of another customer nothing (404, never 403)."""

from __future__ import annotations

import pytest

from tests.conftest import PERSONAS
from tests.mail.conftest import corpus
from tierdesk.core.errors import NotFound
from tierdesk.mail import policies, selectors
from tierdesk.mail.models import InboundMessage

pytestmark = pytest.mark.usefixtures("mailbox")


@pytest.fixture
def stored(world, smtp_sink, ingest):
    ingest(corpus("thunderbird_plain.eml"))
    ingest(corpus("vacation_autoreply.eml"))
    return InboundMessage.objects.order_by("id")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", [policies.VIEW, policies.RETRY])
def test_can_and_visible_agree_for_every_persona(world, stored, persona, action):
    user = world.persona(persona)
    visible = set(policies.visible(user, action, InboundMessage.objects.all()))
    assert visible == {m for m in stored if policies.can(user, action, m)}


def test_the_reporter_sees_the_original_of_their_mail(world, stored):
    message = stored[0].ticket_message
    original = selectors.original_of_message(user=world.acme_contact, message_id=message.pk)
    assert b"120 agents" in bytes(original.raw)


def test_a_contact_of_another_customer_gets_404_for_the_original(world, stored):
    with pytest.raises(NotFound):
        selectors.original_of_message(
            user=world.globex_contact, message_id=stored[0].ticket_message_id
        )


def test_only_admins_and_managers_list_the_intake_queue(world, stored):
    assert selectors.inbound_list(user=world.manager).count() == 2
    assert selectors.inbound_list(user=world.l1).count() == 1  # only what is on its tickets
    assert selectors.inbound_list(user=world.globex_contact).count() == 0
