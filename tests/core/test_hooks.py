"""The hook registry: a lower layer sets off a higher one's work without importing it."""

from __future__ import annotations

import pytest
from django.db import transaction

from tierdesk.core.hooks import REGISTRY, Hook


@pytest.fixture
def hook():
    made = Hook("test.something_happened", "A hook the tests fire.")
    yield made
    del REGISTRY[made.name]


def test_fire_calls_each_subscriber_now_with_the_payload(hook):
    heard = []
    hook.subscribe(lambda **payload: heard.append(payload))
    hook.fire(ticket_id=7)
    assert heard == [{"ticket_id": 7}]


def test_a_predicate_keeps_an_uninteresting_payload_away(hook):
    heard = []
    hook.subscribe(lambda **payload: heard.append(payload), when=lambda **p: p["kind"] == "x")
    hook.fire(kind="y")
    hook.fire(kind="x")
    assert heard == [{"kind": "x"}]


def test_subscribing_twice_calls_once(hook):
    heard = []

    def receiver(**payload):
        heard.append(payload)

    hook.subscribe(receiver)
    hook.subscribe(receiver)
    hook.fire()
    assert heard == [{}]


@pytest.mark.django_db(transaction=True)
def test_fire_on_commit_waits_for_the_commit_and_skips_a_rollback(hook):
    heard = []
    hook.subscribe(lambda **payload: heard.append(payload))
    with transaction.atomic():
        hook.fire_on_commit(n=1)
        assert heard == []
    assert heard == [{"n": 1}]
    with pytest.raises(RuntimeError), transaction.atomic():
        hook.fire_on_commit(n=2)
        raise RuntimeError
    assert heard == [{"n": 1}]


def test_a_name_is_declared_once(hook):
    with pytest.raises(ValueError, match="declared twice"):
        Hook(hook.name, "again")
