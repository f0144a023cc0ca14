"""The configuration pages as a manager or an admin uses them: every bad value refused with its
message and nothing saved, good values saved, the preview computed by the SLA clock; only
managers and admins get in, at a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tierdesk.accounts.models import Agent, Team
from tierdesk.core.config_cache import clear_config_caches
from tierdesk.mail.models import Mailbox
from tierdesk.sla.models import Calendar, Plan, Target, WorkingInterval
from tierdesk.tickets.models import Category


def week_data(**days: list[tuple[str, str]]) -> dict[str, str]:
    """``mon=[("08:00", "12:00"), ...]`` as the week grid's fields."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    data = {}
    for day, spans in days.items():
        for slot, (opens, closes) in enumerate(spans):
            data[f"week-d{names.index(day)}_{slot}_opens"] = opens
            data[f"week-d{names.index(day)}_{slot}_closes"] = closes
    return data


def calendar_post(**fields: Any) -> dict[str, str]:
    data = {
        "name": "Support UK hours", "slug": "support-uk", "timezone": "Europe/London",
        "holiday_country": "", "holiday_subdivision": "",
        "holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0",
        **week_data(mon=[("09:00", "17:30")], tue=[("09:00", "12:00"), ("13:00", "17:30")]),
    }  # fmt: skip
    data.update(fields)
    return data


@pytest.fixture
def manager(client_as):
    return client_as("manager")


def test_a_calendar_is_saved_with_its_week(manager):
    response = manager.post("/desk/config/calendars/new/", calendar_post())
    assert response.status_code == 302
    calendar = Calendar.objects.get(slug="support-uk")
    spans = list(calendar.intervals.values_list("weekday", "opens_at", "closes_at"))
    assert [(day, f"{o:%H:%M}", f"{c:%H:%M}") for day, o, c in spans] == [
        (0, "09:00", "17:30"), (1, "09:00", "12:00"), (1, "13:00", "17:30"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Unknown time zone &#x27;Mars/Olympus&#x27;"),
        (week_data(wed=[("17:00", "09:00")]), "Wednesday 17:00-09:00 closes before it opens"),
        (week_data(tue=[("09:00", "13:00"), ("12:00", "17:30")]),
         "Tuesday 09:00-13:00 and 12:00-17:30 overlap"),
        ({**{k: "" for k in week_data(mon=[("", "")] * 1, tue=[("", "")] * 2)}},
         "The calendar has no working hours"),
        (week_data(thu=[("09:00", "")]), "Give both the opening and the closing time."),
    ],
)  # fmt: skip
def test_a_bad_calendar_is_refused_with_its_message(manager, fields, message):
    response = manager.post("/desk/config/calendars/new/", calendar_post(**fields))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Calendar.objects.filter(slug="support-uk").exists()


def test_editing_a_calendar_replaces_its_week_and_moves_its_revision(manager):
    calendar = Calendar.objects.get(slug="standard-ist")
    revision = calendar.revision
    data = calendar_post(name=calendar.name, slug=calendar.slug, timezone="Asia/Kolkata",
                         **week_data(mon=[("10:00", "16:00")], tue=[]))  # fmt: skip
    data = {k: v for k, v in data.items() if not k.startswith("week-d1_")}
    response = manager.post(f"/desk/config/calendars/{calendar.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar.refresh_from_db()
    assert calendar.revision > revision
    assert list(
        WorkingInterval.objects.filter(calendar=calendar).values_list("weekday", flat=True)
    ) == [0]


def test_the_preview_says_when_a_ticket_opened_now_would_be_due(manager):
    calendar = Calendar.objects.get(slug="standard-ist")
    page = manager.get(f"/desk/config/calendars/{calendar.pk}/").content.decode()
    assert "A ticket opened now would be due" in page
    assert "Standard P2 resolution: 2 business days" in page  # a plan target on this calendar
    assert "IST" in page


def test_the_preview_follows_the_form_before_it_is_saved(manager):
    calendar = Calendar.objects.get(slug="standard-ist")
    url = f"/desk/config/calendars/{calendar.pk}/preview/"
    fine = manager.post(url, calendar_post(name=calendar.name, slug=calendar.slug,
                                           timezone="Europe/London"))  # fmt: skip
    assert "4 hours" in fine.content.decode() and "GMT" in fine.content.decode()
    broken = manager.post(url, calendar_post(timezone="Mars/Olympus")).content.decode()
    assert "No preview until the calendar is valid" in broken and "Unknown time zone" in broken


def plan_post(**fields: str) -> dict[str, str]:
    calendar = Calendar.objects.get(slug="always-open")
    data = {
        "name": "Gold", "slug": "gold", "description": "", "warning_percent": "80",
        "close_resolved_after_days": "7", "remind_pending_after_days": "",
        "resolve_pending_after_days": "",
        "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "0",
        "targets-0-priority": "1", "targets-0-metric": "first_response", "targets-0-amount": "15",
        "targets-0-unit": "minutes", "targets-0-calendar": str(calendar.pk),
    }  # fmt: skip
    data.update(fields)
    return data


def test_a_plan_is_saved_with_its_targets(manager):
    assert manager.post("/desk/config/plans/new/", plan_post()).status_code == 302
    plan = Plan.objects.get(slug="gold")
    assert list(Target.objects.filter(plan=plan).values_list("amount", "unit")) == [(15, "minutes")]


def test_a_plan_without_any_target_is_refused(manager):
    response = manager.post("/desk/config/plans/new/", plan_post(**{"targets-0-priority": "",
        "targets-0-metric": "", "targets-0-amount": "", "targets-0-calendar": ""}))  # fmt: skip
    assert response.status_code == 422
    assert "A plan needs at least one target" in response.content.decode()
    assert not Plan.objects.filter(slug="gold").exists()


def test_deleting_a_plans_last_target_is_refused(manager):
    manager.post("/desk/config/plans/new/", plan_post())
    plan = Plan.objects.get(slug="gold")
    target = plan.targets.get()
    data = plan_post(**{"targets-INITIAL_FORMS": "1", "targets-0-id": str(target.pk),
                        "targets-0-plan": str(plan.pk), "targets-0-DELETE": "on"})  # fmt: skip
    response = manager.post(f"/desk/config/plans/{plan.pk}/", data)
    assert "A plan needs at least one target" in response.content.decode()
    assert plan.targets.count() == 1


def category_post(**fields: Any) -> dict[str, Any]:
    data = {"name": "API errors", "slug": "api-errors", "audience": "", "position": "0",
            "is_active": "on", "required_facts": ["logs", "system_details"]}  # fmt: skip
    data.update(fields)
    return data


def test_a_category_takes_its_required_facts_from_the_defined_facts(manager):
    page = manager.get("/desk/config/categories/new/").content.decode()
    assert "Device or system details" in page  # a defined fact, offered by its label
    assert manager.post("/desk/config/categories/new/", category_post()).status_code == 302
    assert Category.objects.get(slug="api-errors").required_facts == ["logs", "system_details"]


def test_unknown_fact_keys_are_refused_on_the_page(manager):
    response = manager.post(
        "/desk/config/categories/new/",
        category_post(required_facts=["device_model", "api_request_id"]),
    )
    assert response.status_code == 422
    assert "Unknown fact keys: device_model, api_request_id." in response.content.decode()
    assert not Category.objects.filter(slug="api-errors").exists()


def mailbox_post(**fields: str) -> dict[str, str]:
    data = {
        "name": "Support UK", "address": "uk@northwind.test", "display_name": "Support",
        "unknown_senders": "create_contact", "sender_check": "agents", "mailer": "default",
        "is_active": "on", "imap_host": "", "imap_port": "993", "imap_ssl": "on",
        "imap_username": "", "imap_auth": "password", "imap_secret_env": "", "imap_folder": "INBOX",
        "imap_done_folder": "",
    }  # fmt: skip
    data.update(fields)
    return data


def test_a_mailbox_named_like_a_person_would_is_saved(manager):
    page = manager.get("/desk/config/mailboxes/new/").content.decode()
    assert "emergency tickets: P1, with a call-back" in page and "(P5)" not in page
    assert manager.post("/desk/config/mailboxes/new/", mailbox_post()).status_code == 302
    assert Mailbox.objects.get(name="Support UK").address == "uk@northwind.test"


def test_a_password_where_a_variable_name_belongs_is_refused(manager):
    response = manager.post("/desk/config/mailboxes/new/", mailbox_post(imap_secret_env="s3cret!"))
    assert response.status_code == 422
    assert "NAME of an environment variable" in response.content.decode()
    assert not Mailbox.objects.filter(name="Support UK").exists()


def test_a_failed_connection_test_is_shown_on_the_mailbox(manager, monkeypatch):
    monkeypatch.setenv("TIERDESK_TEST_IMAP", "wrong")
    manager.post("/desk/config/mailboxes/new/", mailbox_post(
        imap_host="127.0.0.1", imap_port="1", imap_ssl="", imap_username="support",
        imap_secret_env="TIERDESK_TEST_IMAP",
    ))  # fmt: skip
    mailbox = Mailbox.objects.get(name="Support UK")
    response = manager.post(f"/desk/config/mailboxes/{mailbox.pk}/test/", follow=True)
    page = response.content.decode()
    assert "Connection failed" in page and "Failed" in page
    mailbox.refresh_from_db()
    assert mailbox.last_poll_ok is False and "ConnectionRefusedError" in mailbox.last_poll_error


def test_a_team_and_an_agent_are_configured(manager, world):
    data = {"name": "Night shift", "slug": "night-shift", "organization": str(world.vendor.pk),
            "support_level": "1", "lead": "", "email": ""}  # fmt: skip
    assert manager.post("/desk/config/teams/new/", data).status_code == 302
    team = Team.objects.get(slug="night-shift")
    agent = Agent.objects.get(user=world.l1)
    data = {"support_level": "2", "is_available": "on", "teams": [str(team.pk)],
            "time_zone": "Asia/Kolkata"}  # fmt: skip
    assert manager.post(f"/desk/config/agents/{agent.pk}/", data).status_code == 302
    agent.refresh_from_db()
    assert agent.support_level == 2 and list(agent.teams.all()) == [team]
    assert agent.user.time_zone == "Asia/Kolkata"
    refused = manager.post(f"/desk/config/agents/{agent.pk}/", {**data, "time_zone": "Mars/X"})
    assert "Unknown time zone" in refused.content.decode()


# ---- who gets in --------------------------------------------------------------------------------

CONFIG_PAGES = [
    "/desk/config/", "/desk/config/calendars/", "/desk/config/calendars/new/",
    "/desk/config/calendars/{calendar}/", "/desk/config/plans/", "/desk/config/plans/new/",
    "/desk/config/plans/{plan}/", "/desk/config/categories/", "/desk/config/categories/new/",
    "/desk/config/categories/{category}/", "/desk/config/mailboxes/",
    "/desk/config/mailboxes/new/", "/desk/config/mailboxes/{mailbox}/",
    "/desk/config/teams/", "/desk/config/teams/new/", "/desk/config/teams/{team}/",
    "/desk/config/agents/", "/desk/config/agents/{agent}/",
]  # fmt: skip
CONFIG_POSTS = [
    "/desk/config/calendars/{calendar}/preview/", "/desk/config/mailboxes/{mailbox}/test/",
]  # fmt: skip
OUTSIDERS = ["l1", "l2", "l3", "partner_agent", "other_partner_agent", "acme_contact",
             "globex_contact", "cobalt_contact"]  # fmt: skip


def filled(path: str, world: Any) -> str:
    mailbox, _ = Mailbox.objects.get_or_create(name="Support", address="s@northwind.test")
    return path.format(
        calendar=Calendar.objects.get(slug="standard-ist").pk, plan=Plan.objects.first().pk,
        category=Category.objects.first().pk, mailbox=mailbox.pk, team=world.service_desk.pk,
        agent=Agent.objects.get(user=world.l1).pk,
    )  # fmt: skip


@pytest.mark.parametrize("path", CONFIG_PAGES)
def test_managers_and_admins_open_every_configuration_page(world, client_as, path):
    for persona in ("manager", "admin"):
        assert client_as(persona).get(filled(path, world)).status_code == 200, persona


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_nobody_else_finds_the_configuration_pages(world, client_as, persona):
    client = client_as(persona)
    for path in CONFIG_PAGES:
        assert client.get(filled(path, world)).status_code == 404, path
    for path in CONFIG_POSTS:
        assert client.post(filled(path, world), {}).status_code == 404, path


def test_anonymous_visitors_are_sent_to_sign_in(world, client_as):
    client = client_as(None)
    for path in CONFIG_PAGES + CONFIG_POSTS:
        response = client.get(filled(path, world))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_configuration_link_is_shown_to_managers_only(client_as):
    assert 'href="/desk/config/"' in client_as("manager").get("/desk/queue/all/").content.decode()
    assert 'href="/desk/config/"' not in client_as("l1").get("/desk/queue/team/").content.decode()


# ---- query budgets ------------------------------------------------------------------------------

# Page -> budget: the session, the user with their principal, the page's rows (one query, or
# two with a prefetch), the edit forms' choices.
BUDGETS = {
    "/desk/config/": 2, "/desk/config/calendars/": 3, "/desk/config/plans/": 3,
    "/desk/config/categories/": 3, "/desk/config/mailboxes/": 3, "/desk/config/teams/": 3,
    "/desk/config/agents/": 4, "/desk/config/calendars/{calendar}/": 9,
    "/desk/config/plans/{plan}/": 5, "/desk/config/categories/{category}/": 4,
    "/desk/config/mailboxes/{mailbox}/": 3, "/desk/config/agents/{agent}/": 5,
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(BUDGETS))
def test_a_configuration_page_stays_within_its_query_budget(world, manager, path):
    url = filled(path, world)
    manager.get(url)
    clear_config_caches()
    with CaptureQueriesContext(connection) as captured:
        assert manager.get(url).status_code == 200
    assert len(captured) <= BUDGETS[path], [q["sql"][:120] for q in captured]


def test_the_agent_list_costs_the_same_for_3_agents_and_for_12(world, manager, django_db_setup):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            manager.get("/desk/config/agents/")
        return len(captured)

    few = count()
    for number in range(9):
        user = type(world.l1).objects.create(username=f"extra{number}")
        Agent.objects.create(user=user, organization=world.vendor).teams.set([world.service_desk])
    assert count() == few
