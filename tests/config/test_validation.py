"""Each invalid configuration is refused with a message that says what is wrong: by the
models' clean() (so the Django admin), and by the desk's configuration pages."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from tierdesk.mail.models import Mailbox
from tierdesk.sla.models import Calendar, Plan, WorkingInterval
from tierdesk.sla.validation import check_intervals
from tierdesk.tickets.models import Category


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_an_unknown_time_zone_is_refused_by_the_model(db):
    calendar = Calendar(name="Mars", slug="mars", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    assert "Unknown time zone 'Mars/Olympus'" in messages_of(refused.value)


def test_an_interval_that_closes_before_it_opens_is_refused_by_the_model(db):
    calendar = Calendar.objects.get(slug="standard-ist")
    night = WorkingInterval(calendar=calendar, weekday=0, opens_at=time(17), closes_at=time(9))
    with pytest.raises(ValidationError) as refused:
        night.full_clean()
    assert "Monday 17:00-09:00 closes before it opens" in messages_of(refused.value)


def test_midnight_closes_the_day_it_is_not_a_backwards_interval(db):
    calendar = Calendar.objects.get(slug="standard-ist")
    evening = WorkingInterval(calendar=calendar, weekday=4, opens_at=time(18), closes_at=time(0))
    evening.full_clean()


def test_overlapping_intervals_of_one_day_are_refused():
    with pytest.raises(ValidationError) as refused:
        check_intervals([(1, time(8), time(12)), (1, time(11), time(18)), (2, time(8), time(12))])
    assert "Tuesday 08:00-12:00 and 11:00-18:00 overlap" in messages_of(refused.value)


def test_an_unknown_holiday_country_is_refused(db):
    calendar = Calendar(name="X", slug="x", timezone="UTC", holiday_country="XX")
    with pytest.raises(ValidationError, match="No national holiday set for country 'XX'"):
        calendar.full_clean()


def test_unknown_fact_keys_are_refused_by_the_category(db):
    category = Category(
        name="API", slug="api-errors", required_facts=["device_model", "api_request_id", "logs"]
    )
    with pytest.raises(ValidationError) as refused:
        category.full_clean()
    message = messages_of(refused.value)
    assert "Unknown fact keys: device_model, api_request_id." in message
    assert "Choose from: customer, description" in message


def test_a_mailbox_takes_a_normal_name_and_an_environment_variable_name(db):
    mailbox = Mailbox(name="Support UK", address="uk@northwind.test", imap_secret_env="IMAP_UK")
    mailbox.full_clean()
    mailbox.imap_secret_env = "hunter2!"
    with pytest.raises(ValidationError, match="NAME of an environment variable"):
        mailbox.full_clean()


def test_the_emergency_mailbox_says_emergencies_are_p1():
    help_text = str(Mailbox._meta.get_field("is_emergency").help_text)
    assert "P1" in help_text and "P5" not in help_text


# ---- the same through the Django admin -------------------------------------------------------


def admin_calendar_post(calendar: Calendar, **changes: str) -> dict[str, str]:
    data = {
        "name": calendar.name, "slug": calendar.slug, "timezone": calendar.timezone,
        "holiday_country": "", "holiday_subdivision": "",
        "intervals-TOTAL_FORMS": "1", "intervals-INITIAL_FORMS": "0",
        "intervals-0-weekday": "0", "intervals-0-opens_at": "08:00",
        "intervals-0-closes_at": "18:00",
        "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(changes)
    return data


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.admin)
    return client


def test_the_admin_refuses_an_unknown_time_zone(admin_client):
    calendar = Calendar(name="Mars office", slug="mars-office", timezone="Mars/Olympus")
    response = admin_client.post("/admin/sla/calendar/add/", admin_calendar_post(calendar))
    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode()
    assert not Calendar.objects.filter(slug="mars-office").exists()


def test_the_admin_refuses_a_night_interval(admin_client):
    calendar = Calendar(name="Night", slug="night", timezone="UTC")
    data = admin_calendar_post(calendar, **{"intervals-0-opens_at": "17:00",
                                            "intervals-0-closes_at": "09:00"})  # fmt: skip
    response = admin_client.post("/admin/sla/calendar/add/", data)
    assert "closes before it opens" in response.content.decode()
    assert not Calendar.objects.filter(slug="night").exists()


def test_the_admin_refuses_a_plan_without_targets(admin_client):
    data = {
        "name": "Empty", "slug": "empty", "description": "", "warning_percent": "75",
        "close_resolved_after_days": "7",
        "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0",
        "escalation_steps-TOTAL_FORMS": "0", "escalation_steps-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_client.post("/admin/sla/plan/add/", data)
    assert "A plan needs at least one target" in response.content.decode()
    assert not Plan.objects.filter(slug="empty").exists()


def test_the_admin_refuses_unknown_fact_keys(admin_client):
    data = {"name": "API", "slug": "api-errors", "audience": "", "position": "0",
            "required_facts": '["device_model"]', "is_active": "on"}  # fmt: skip
    response = admin_client.post("/admin/tickets/category/add/", data)
    assert "Unknown fact keys: device_model" in response.content.decode()
    assert not Category.objects.filter(slug="api-errors").exists()
