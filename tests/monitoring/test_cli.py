"""``tierdesk monitoring-source``: a source made on the command line takes alerts with the
token it printed; rotating the token retires the old one."""

from __future__ import annotations

import json

from django.test import Client

from tests.monitoring.conftest import fixture_body
from tierdesk.cli import main
from tierdesk.monitoring.models import Source


def post(path, token):
    return Client().post(
        path, fixture_body("alertmanager_firing.json"), content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip


def test_a_source_made_on_the_command_line_takes_alerts_with_its_token(world, routes, capsys):
    create = ["monitoring-source", "create", "--kind", "alertmanager", "--slug", "prom",
              "--name", "Prometheus", "--on-recovery", "note"]  # fmt: skip
    assert main(create) == 0
    made = json.loads(capsys.readouterr().out)
    assert (made["slug"], made["kind"], made["path"]) == (
        "prom", "alertmanager", "/api/v1/monitoring/prom"
    )  # fmt: skip
    source = Source.objects.get(slug="prom")
    assert (source.name, source.on_recovery) == ("Prometheus", "note")
    assert made["token"] not in source.token_hash  # only its hash is kept
    assert post(made["path"], made["token"]).json()["action"] == "created"

    assert main(create) == 2
    assert "exists" in capsys.readouterr().err

    assert main(["monitoring-source", "rotate-token", "--slug", "prom"]) == 0
    rotated = json.loads(capsys.readouterr().out)
    assert post(made["path"], made["token"]).status_code == 401
    assert post(made["path"], rotated["token"]).json()["action"] == "updated"
    assert main(["monitoring-source", "rotate-token", "--slug", "nope"]) == 2
