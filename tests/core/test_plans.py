"""``custom_plans``: PostgreSQL plans each statement for its values inside, and the setting
ends with the block; SQLite is left alone (no transaction, no statement)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tierdesk.core.plans import custom_plans


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_plans_are_custom_inside_only() -> None:
    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as queries, custom_plans():
            assert not connection.in_atomic_block
        assert not queries.captured_queries
        return
    assert _plan_cache_mode() == "auto"
    with custom_plans():
        assert connection.in_atomic_block
        assert _plan_cache_mode() == "force_custom_plan"
    assert _plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_the_setting_ends_when_the_block_fails() -> None:
    with pytest.raises(ZeroDivisionError), custom_plans():
        _ = 1 / 0
    if connection.vendor == "postgresql":
        assert _plan_cache_mode() == "auto"
