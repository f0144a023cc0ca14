"""Each person's preferences decide how a notification reaches them: a kind turned off by mail
or in the desk, quiet hours (that P1 and emergencies ignore), and the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from tests.notifications.conftest import notification_mails
from tierdesk.accounts.models import EmailState, Notification, NotificationKind
from tierdesk.notifications.delivery import notifications_deliver, notifications_digest
from tierdesk.notifications.models import NotificationPreference
from tierdesk.notifications.preferences import LATER, NOW, mail_choice, quiet_end
from tierdesk.notifications.selectors import unread_count

NINE_PM = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
SEVEN_AM = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def raise_one(user, *, kind=NotificationKind.ASSIGNED, urgent=False, key="n1", at=NINE_PM):
    return Notification.objects.create(
        recipient=user, kind=kind, title=f"{kind} {key}", urgent=urgent, dedupe_key=key,
        created_at=at,
    )  # fmt: skip


def state(note: Notification) -> str:
    note.refresh_from_db()
    return note.email_state


def test_without_preferences_a_notification_is_mailed_once(world):
    note = raise_one(world.l1)
    for at in (NINE_PM, NINE_PM, NINE_PM + timedelta(minutes=1)):  # workers, and later runs
        notifications_deliver(at=at)
    assert state(note) == EmailState.QUEUED
    assert len(notification_mails(world.l1.email)) == 1


def test_a_kind_turned_off_by_mail_stays_in_the_bell_only(world):
    NotificationPreference.objects.create(user=world.l1, email_off=[NotificationKind.ASSIGNED])
    note = raise_one(world.l1)
    notifications_deliver(at=NINE_PM)
    assert state(note) == EmailState.OFF
    assert notification_mails(world.l1.email) == []
    assert unread_count(world.l1) == 1


def test_a_kind_turned_off_in_the_desk_leaves_the_bell_but_is_still_mailed(world):
    NotificationPreference.objects.create(user=world.l1, in_app_off=[NotificationKind.ASSIGNED])
    raise_one(world.l1)
    notifications_deliver(at=NINE_PM)
    assert unread_count(world.l1) == 0
    assert len(notification_mails(world.l1.email)) == 1


def test_quiet_hours_hold_the_mail_until_they_end(world):
    NotificationPreference.objects.create(
        user=world.l1, quiet_from=time(20, 0), quiet_until=time(7, 0), timezone="UTC"
    )
    note = raise_one(world.l1)
    notifications_deliver(at=NINE_PM)
    assert state(note) == EmailState.PENDING and notification_mails(world.l1.email) == []
    note.refresh_from_db()
    assert note.email_after == SEVEN_AM
    notifications_deliver(at=SEVEN_AM - timedelta(minutes=1))
    assert notification_mails(world.l1.email) == []
    notifications_deliver(at=SEVEN_AM)
    assert len(notification_mails(world.l1.email)) == 1


def test_p1_and_emergencies_ignore_quiet_hours_and_the_digest(world):
    NotificationPreference.objects.create(
        user=world.l1, quiet_from=time(20, 0), quiet_until=time(7, 0), digest=True
    )
    note = raise_one(world.l1, kind=NotificationKind.EMERGENCY, urgent=True)
    notifications_deliver(at=NINE_PM)
    assert state(note) == EmailState.QUEUED
    assert len(notification_mails(world.l1.email)) == 1


def test_the_digest_collects_the_day_into_one_mail_once(world):
    NotificationPreference.objects.create(user=world.l1, digest=True)
    notes = [raise_one(world.l1, key=f"n{i}") for i in range(3)]
    notifications_deliver(at=NINE_PM)
    assert [state(n) for n in notes] == [EmailState.DIGEST] * 3
    assert notification_mails(world.l1.email) == []
    notifications_digest(at=SEVEN_AM)
    notifications_digest(at=SEVEN_AM)
    [digest] = notification_mails(world.l1.email)
    assert "3 notifications" in digest.subject
    assert all(f"assigned n{i}" in digest.body for i in range(3))
    assert [state(n) for n in notes] == [EmailState.DIGESTED] * 3
    notifications_digest(at=SEVEN_AM + timedelta(days=1))
    assert len(notification_mails(world.l1.email)) == 1


def test_quiet_hours_in_the_persons_own_time_zone():
    preference = NotificationPreference(
        quiet_from=time(22, 0), quiet_until=time(6, 0), timezone="Asia/Kolkata"
    )
    # 17:00 UTC is 22:30 in India: quiet until 06:00 IST, which is 00:30 UTC.
    at = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert quiet_end(preference, at) == datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    assert mail_choice(preference, kind="assigned", urgent=False, at=at).how == LATER
    noon = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)  # 12:00 IST
    assert mail_choice(preference, kind="assigned", urgent=False, at=noon).how == NOW


@pytest.mark.parametrize("page", ["/desk/notifications/", "/desk/notifications/preferences/"])
def test_the_pages_are_for_agents_only(world, page):
    client = Client()
    client.force_login(world.acme_contact)
    assert client.get(page).status_code == 404
    client.force_login(world.l1)
    assert client.get(page).status_code == 200


def test_mark_read_and_mark_all_read(world):
    first, second = raise_one(world.l1, key="a"), raise_one(world.l1, key="b")
    other = raise_one(world.l2, key="c")
    client = Client()
    client.force_login(world.l1)
    assert client.post(f"/desk/notifications/{other.pk}/read/").status_code == 302
    other.refresh_from_db()
    assert other.read_at is None  # someone else's notification is left alone
    client.post(f"/desk/notifications/{first.pk}/read/")
    assert unread_count(world.l1) == 1
    client.post("/desk/notifications/read/")
    assert unread_count(world.l1) == 0
    second.refresh_from_db()
    assert second.read_at is not None
    assert "0 unread" in client.get("/desk/notifications/bell/").content.decode()


def test_preferences_are_saved_from_the_page(world):
    client = Client()
    client.force_login(world.l1)
    every = [k for k in NotificationKind.values if k != NotificationKind.NEW_TICKET]
    response = client.post(
        "/desk/notifications/preferences/",
        {"email": every, "in_app": NotificationKind.values, "quiet_from": "20:00",
         "quiet_until": "07:00", "timezone": "Europe/Berlin", "digest": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=world.l1)
    assert saved.email_off == [NotificationKind.NEW_TICKET]
    assert saved.quiet_from == time(20, 0) and saved.digest and saved.timezone == "Europe/Berlin"
    bad = client.post("/desk/notifications/preferences/", {"timezone": "Mars/Olympus"})
    assert bad.status_code == 422
