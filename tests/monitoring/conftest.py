"""Monitoring test helpers: a source per system with its token, the NOC team, routing rules,
and one way to send a fixture through either face (the endpoint or ``tierdesk ingest-alert``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.mail.conftest import smtp_sink  # noqa: F401 - the real SMTP server, for paging
from tierdesk.accounts.models import Team
from tierdesk.accounts.principal import SYSTEM
from tierdesk.cli import main
from tierdesk.monitoring.commands import environment_lines
from tierdesk.monitoring.models import RoutingRule
from tierdesk.monitoring.services import source_create

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_body(name: str) -> bytes:
    """The body the system posts: the JSON as it is; for Nagios, what contrib's script posts
    (the environment as a JSON object)."""
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".env"):
        return json.dumps(environment_lines(raw.decode())).encode()
    return raw


@pytest.fixture
def noc(world: Any) -> Team:
    return Team.objects.create(name="NOC", slug="noc", organization=world.vendor)


@pytest.fixture
def routes(world: Any, noc: Team) -> None:
    """Acme by label or host name; Globex by Zabbix/Nagios host group."""
    RoutingRule.objects.create(position=1, label_name="customer", label_value="acme",
                               organization=world.acme)  # fmt: skip
    RoutingRule.objects.create(position=2, host_pattern="*.acme.test", organization=world.acme)
    RoutingRule.objects.create(position=3, host_group="Globex", organization=world.globex)
    RoutingRule.objects.create(position=4, host_group="globex-network", organization=world.globex)


class Sender:
    """Sends fixtures as one source, through the endpoint or the command line."""

    def __init__(self, kind: str, via: str, tmp_path: Path, capsys: Any):
        self.source, self.token = source_create(
            actor=SYSTEM, name=kind, slug=f"{kind}-1", kind=kind
        )
        self.kind, self.via, self.tmp_path, self.capsys = kind, via, tmp_path, capsys
        self.client = Client()

    def send(self, name: str) -> dict[str, Any]:
        if self.via == "cli":
            return self._cli(name)
        response = self.post(fixture_body(name))
        assert response.status_code == 200, response.content
        return dict(response.json())

    def post(self, body: bytes, token: str | None = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1/monitoring/{self.source.slug}", body, content_type="application/json",
            headers={"Authorization": f"Bearer {token or self.token}", **headers},
        )  # fmt: skip

    def _cli(self, name: str) -> dict[str, Any]:
        self.capsys.readouterr()
        path = str(FIXTURES / name)
        code = main(["ingest-alert", "--source", self.kind, "--slug", self.source.slug, path])
        [line] = [json.loads(x) for x in self.capsys.readouterr().out.splitlines()]
        assert line["source"] == path
        assert code == (1 if line["action"] == "rejected" else 0)
        return {k: line[k] for k in ("action", "ticket", "reason")}


@pytest.fixture(params=["endpoint", "cli"])
def sender(request: Any, world: Any, routes: None, tmp_path: Path, capsys: Any) -> Any:
    def make(kind: str) -> Sender:
        return Sender(kind, request.param, tmp_path, capsys)

    return make
