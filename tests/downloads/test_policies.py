"""Who may download which release: active, expired and future subscriptions, the maintenance
end, another organization, a partner through its customers, public releases, anonymous; and
the two faces of the rule agree for every persona."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.conftest import PERSONAS
from tests.downloads.conftest import EXPECTED_DOWNLOADS
from tierdesk.core.clock import now
from tierdesk.crm.models import Subscription
from tierdesk.downloads import policies
from tierdesk.downloads.models import Release

EVERYONE = [None, *PERSONAS]


def _user(world: Any, persona: str | None) -> Any:
    return AnonymousUser() if persona is None else world.persona(persona)


def _names(catalogue: Any, releases: Any) -> set[str]:
    ids = {r.pk for r in releases}
    return {name for name, r in catalogue.releases().items() if r.pk in ids}


@pytest.mark.parametrize("persona", EVERYONE)
def test_each_persona_downloads_exactly_what_its_subscriptions_allow(world, catalogue, persona):
    user = _user(world, persona)
    visible = policies.visible(user, policies.DOWNLOAD, Release.objects.all())
    assert _names(catalogue, visible) == EXPECTED_DOWNLOADS[persona]


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize("action", sorted(policies.ACTIONS))
def test_can_and_visible_agree(world, catalogue, persona, action):
    user = _user(world, persona)
    releases = Release.objects.select_related("version__product")
    by_can = {r for r in releases if policies.can(user, action, r)}
    visible = policies.visible(user, action, Release.objects.all())
    assert _names(catalogue, by_can) == _names(catalogue, visible)


@pytest.mark.parametrize("persona", EVERYONE)
def test_notes_of_published_releases_are_read_by_the_signed_in_and_public_ones_by_all(
    world, catalogue, persona
):
    Release.objects.filter(pk=catalogue.v3.pk).update(notes_public=False)
    readable = _names(
        catalogue, policies.visible(_user(world, persona), policies.READ, Release.objects.all())
    )
    expected = {"old", "late", "v3", "public"}
    if persona is None:
        expected = {"old", "late", "public"}  # v3's notes are for customers only
    if persona in {"l3", "admin"}:
        expected.add("draft")  # release managers see drafts
    assert readable == expected


def test_a_release_published_after_the_maintenance_end_is_not_covered(world, catalogue):
    assert policies.can(world.acme_contact, policies.DOWNLOAD, catalogue.old)
    assert not policies.can(world.acme_contact, policies.DOWNLOAD, catalogue.late)
    Subscription.objects.filter(organization=world.acme).update(maintenance_ends_on=None)
    assert policies.can(world.acme_contact, policies.DOWNLOAD, catalogue.late)


def test_an_expired_and_a_future_subscription_entitle_nobody(world, catalogue):
    assert not policies.can(world.globex_contact, policies.DOWNLOAD, catalogue.old)
    assert not policies.can(world.umbrella_contact, policies.DOWNLOAD, catalogue.old)
    today = now().date()
    Subscription.objects.filter(organization=world.umbrella).update(starts_on=today)
    assert policies.can(world.umbrella_contact, policies.DOWNLOAD, catalogue.old)
    assert policies.can(world.other_partner_agent, policies.DOWNLOAD, catalogue.old)


def test_a_subscription_ending_today_still_counts_and_one_for_another_product_does_not(
    world, catalogue
):
    today = now().date()
    Subscription.objects.filter(organization=world.globex).update(ends_on=today)
    assert policies.can(world.globex_contact, policies.DOWNLOAD, catalogue.old)
    Subscription.objects.filter(organization=world.globex).update(
        product=catalogue.client_product, ends_on=today + timedelta(days=1)
    )
    assert not policies.can(world.globex_contact, policies.DOWNLOAD, catalogue.old)


def test_a_subscription_for_every_product_covers_them_all(world, catalogue):
    Subscription.objects.filter(organization=world.globex).update(product=None, ends_on=None)
    assert policies.can(world.globex_contact, policies.DOWNLOAD, catalogue.v3)


def test_version_lines_limit_what_is_covered(world, catalogue):
    assert not policies.can(world.cobalt_contact, policies.DOWNLOAD, catalogue.v3)
    Subscription.objects.filter(organization=world.cobalt).update(versions_covered="2, 3.0")
    assert policies.can(world.cobalt_contact, policies.DOWNLOAD, catalogue.v3)
    Subscription.objects.filter(organization=world.cobalt).update(versions_covered="3.00")
    assert not policies.can(world.cobalt_contact, policies.DOWNLOAD, catalogue.v3)


def test_only_release_managers_manage(world, catalogue):
    assert policies.is_release_manager(catalogue.manager)
    assert policies.is_release_manager(world.admin)
    for persona in ("l1", "l2", "manager", "partner_agent", "acme_contact"):
        assert not policies.is_release_manager(world.persona(persona))
