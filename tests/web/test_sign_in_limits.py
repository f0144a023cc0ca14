"""Password resets mail only known addresses (and say the same either way); sign-in and reset
attempts are counted in the shared cache, so every web process sees one count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import Client

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def shared_cache(settings: Any) -> Any:
    # The web tests' fresh_cache fixture swaps in process memory; these need the real one.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tierdesk_cache",
        }
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def reset(email: str) -> Any:
    return Client().post("/accounts/password/reset/", {"email": email})


def test_a_reset_for_an_unknown_address_mails_nobody_and_looks_the_same(world, settings) -> None:
    settings.MAILERS = LOCMEM
    world.acme_contact.set_password("an old passphrase")
    world.acme_contact.save()

    known = reset(world.acme_contact.email)
    unknown = reset("nobody@example.test")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [[world.acme_contact.email]]


def test_failed_sign_ins_are_counted_in_the_shared_cache(world, shared_cache) -> None:
    assert isinstance(shared_cache, DatabaseCache)
    for _ in range(5):
        Client().post("/accounts/login/", {"login": "l1", "password": "wrong"})
    # A new client (another process would do the same: the count is in the database).
    refused = Client().post("/accounts/login/", {"login": "l1", "password": "wrong"})
    assert b"Too many failed login attempts" in refused.content
