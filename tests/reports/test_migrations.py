"""Migration 0007 turns the cells' JSON duration lists into ``DurationsField`` text and back,
on the database the suite runs on, keeping every number."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reports", "0006_category_indexes")]
AFTER = [("reports", "0007_durations_as_text")]
LISTS = {"response_seconds": [30, 1800, 86400], "resolution_seconds": []}


def _migrate(to: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(to)
    return executor.loader.project_state(to).apps


def _cell(apps: Any, table: str, **lists: Any) -> Any:
    model = apps.get_model("reports", table)
    extra = {"organization_id": 1, "channel": "mail"} if table == "dailyrollup" else {}
    return model.objects.create(
        day=date(2026, 11, 3), priority=2, support_level=1, **extra, **lists
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", ["dailyrollup", "dailyteamrollup"])
def test_lists_become_text_and_back(table: str) -> None:
    try:
        before = _migrate(BEFORE)
        pk = _cell(before, table, **LISTS).pk

        after = _migrate(AFTER)
        model = after.get_model("reports", table)
        stored = model.objects.filter(pk=pk).values_list(*LISTS).get()
        assert list(stored) == list(LISTS.values())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT response_seconds, resolution_seconds FROM reports_{table} WHERE id = %s",
                [pk],
            )
            assert cursor.fetchone() == ("30,1800,86400", "")

        back = _migrate(BEFORE)
        row = back.get_model("reports", table).objects.get(pk=pk)
        assert (row.response_seconds, row.resolution_seconds) == tuple(LISTS.values())
    finally:
        _migrate(AFTER)
