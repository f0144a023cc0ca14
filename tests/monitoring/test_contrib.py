"""The shipped senders: the Nagios/Icinga notification command posts the notification's
environment as Tierdesk reads it; the Zabbix media type passes the parameters the adapter
reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from tests.monitoring.conftest import FIXTURES
from tierdesk.accounts.principal import SYSTEM
from tierdesk.monitoring.commands import environment_lines
from tierdesk.monitoring.services import payload_ingest, source_create

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, dict(self.headers), body))
        answer = b'{"action": "created", "ticket": "TD-1", "reason": "ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        return None


def test_the_notification_command_posts_the_nagios_macros(world, routes):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received.clear()
    macros = environment_lines((FIXTURES / "nagios_service_problem.env").read_text())
    env = {"PATH": os.environ.get("PATH", ""), **macros, "NAGIOS_USER1": "/secret/path",
           "TIERDESK_TOKEN": "tdm_abc"}  # fmt: skip
    try:
        result = subprocess.run(
            [sys.executable, str(CONTRIB / "nagios/tierdesk-notify"),
             "--url", f"http://127.0.0.1:{server.server_port}", "--source", "nagios-1"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    [(path, headers, body)] = Receiver.received
    assert path == "/api/v1/monitoring/nagios-1"
    assert headers["Authorization"] == "Bearer tdm_abc"
    sent = json.loads(body)
    assert sent["NAGIOS_NOTIFICATIONTYPE"] == "PROBLEM" and "NAGIOS_USER1" not in sent
    assert "NAGIOS_CONTACTEMAIL" not in sent  # only the notification's own macros travel
    source, _token = source_create(actor=SYSTEM, name="n", slug="n", kind="nagios")
    assert payload_ingest(source=source, payload=body).action == "created"


def test_the_zabbix_media_type_passes_what_the_adapter_reads():
    export = (CONTRIB / "zabbix/media_tierdesk.yaml").read_text()
    fixture = json.loads((FIXTURES / "zabbix_problem.json").read_text())
    for name in fixture:
        assert f"- name: {name}\n" in export, name
    assert "'{EVENT.TAGSJSON}'" in export and "Authorization: Bearer" in export
