"""What a notice costs the database. A repeat (the storm's hot path) reads the source, its open
group and the open maintenance windows, and counts itself with one UPDATE; the subscribers of
``alert_received`` hear of each notice once, whatever it does."""

from __future__ import annotations

import pytest

from tests.monitoring.conftest import Sender, fixture_body
from tierdesk.monitoring.hooks import alert_received


@pytest.fixture
def am(world, routes, tmp_path, capsys):
    return Sender("alertmanager", "endpoint", tmp_path, capsys)


def test_a_repeat_costs_four_statements(am, django_assert_num_queries):
    am.send("alertmanager_firing.json")
    with django_assert_num_queries(4):
        response = am.post(fixture_body("alertmanager_firing.json"))
    assert response.json()["reason"] == "repeat 2 of the alert group"


def test_the_subscribers_hear_of_each_notice_once(am):
    heard = []

    def listen(*, notice, group_id, **_):
        heard.append((notice.state.value, group_id is not None))

    alert_received.subscribe(listen)
    try:
        for name in ("alertmanager_firing.json", "alertmanager_firing.json",
                     "alertmanager_grown.json", "alertmanager_resolved.json"):  # fmt: skip
            am.send(name)
    finally:
        alert_received.unsubscribe(listen)
    assert heard == [("firing", False), ("firing", True), ("firing", True), ("resolved", True)]
