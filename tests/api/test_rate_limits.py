"""Rate limits hold across processes (one count in the shared cache), and the client's address
comes from X-Forwarded-For only through the proxies we trust."""

from __future__ import annotations

from typing import Any

import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import RequestFactory, override_settings

from tierdesk.core.api import throttles
from tierdesk.core.api.throttles import client_address, counted

RATES = {"auth": "3/min", "user": "3/min", "anon": "2/min"}


def test_the_counts_live_in_the_shared_default_cache(db: Any) -> None:
    # Embedded: the database cache, which every web process reads; Redis with REDIS_URL.
    assert throttles.rate_cache() is caches["default"]
    assert isinstance(caches["default"], DatabaseCache)


@override_settings(NINJA_DEFAULT_THROTTLE_RATES=RATES)
def test_a_second_process_sees_the_anonymous_count_of_the_first(world, api_as) -> None:
    guesser = api_as(None)
    guesser.headers = {"Authorization": "Bearer tdk_guess"}
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        assert [guesser.get("/api/v1/me").status_code for _ in range(2)] == [401, 401]
        throttles.forget_local()  # the next request lands on another web process
        assert guesser.get("/api/v1/me").status_code == 429


@override_settings(NINJA_DEFAULT_THROTTLE_RATES=RATES)
def test_a_second_process_sees_the_token_count_of_the_first(world, api_as) -> None:
    client = api_as("l1")
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
        throttles.forget_local()
        assert client.get("/api/v1/me").status_code == 429


def test_processes_sharing_a_large_rate_pass_it_by_at_most_a_step_each(db: Any) -> None:
    rate, step = "1000/min", 10
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        first = sum(counted("test", "k", rate) for _ in range(600))
        throttles.forget_local()  # a second process, which has counted nothing yet
        second = sum(counted("test", "k", rate) for _ in range(600))
    assert first == 600
    assert 1000 - 600 - 2 * step <= second <= 1000 - 600 + step


@override_settings(NINJA_DEFAULT_THROTTLE_RATES=RATES)
def test_a_forged_forwarded_for_does_not_buy_more_attempts(world, api_as) -> None:
    guesser = api_as(None)
    with time_machine.travel("2026-11-20 10:00:05", tick=False):
        answers = []
        for n in range(3):
            guesser.headers = {
                "Authorization": "Bearer tdk_guess",
                "X-Forwarded-For": f"203.0.113.{n}",
            }
            answers.append(guesser.get("/api/v1/me").status_code)
    assert answers == [401, 401, 429]


def request_from(remote: str, forwarded: str | None) -> Any:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_the_connecting_address_is_the_client(settings) -> None:
    settings.TIERDESK_TRUSTED_PROXIES = 0
    assert client_address(request_from("10.0.0.1", "203.0.113.9")) == "10.0.0.1"


def test_through_trusted_proxies_the_address_the_last_one_saw_is_the_client(settings) -> None:
    settings.TIERDESK_TRUSTED_PROXIES = 1
    # The client forged the first entry; our proxy appended the address it saw.
    assert client_address(request_from("10.0.0.1", "198.51.100.7, 203.0.113.9")) == "203.0.113.9"
    settings.TIERDESK_TRUSTED_PROXIES = 2
    forwarded = "198.51.100.7, 203.0.113.9, 10.0.0.2"
    assert client_address(request_from("10.0.0.1", forwarded)) == "203.0.113.9"


def test_allauth_reads_the_client_address_through_the_same_proxies() -> None:
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TIERDESK_TRUSTED_PROXIES
