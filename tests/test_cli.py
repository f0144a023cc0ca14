"""The `tierdesk` command, run the way an operator runs it: as a separate process.

The commands that touch a database get a fresh one: SQLite in a temporary data directory, or,
when the suite runs against PostgreSQL (DATABASE_URL), a throwaway database on that server.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tierdesk.cli import main
from tierdesk.core.env import database_from_url

COMMANDS = ["up", "web", "worker", "scheduler", "migrate", "demo", "createadmin", "check", "manage"]
# Requests to our own server must not wander off to a proxy from the environment.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_explains_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])

    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith(f"usage: tierdesk {command}")
    description = help_text.split("\n\n")[1]
    assert len(description) > 60


def test_the_console_script_lists_every_command() -> None:
    script = Path(sys.executable).parent / "tierdesk"
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for command in COMMANDS:
        assert command in result.stdout


def test_tierdesk_without_a_command_shows_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "createadmin" in capsys.readouterr().out


# ---- commands against a real database ------------------------------------------------------


@contextmanager
def fresh_installation(directory: Path) -> Iterator[dict[str, str]]:
    """The environment of a new installation whose data lives in ``directory``."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["TIERDESK_DATA_DIR"] = str(directory / "data")
    env["TIERDESK_WEB_WORKERS"] = "1"
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        yield env
        return
    name = f"td_cli_{uuid.uuid4().hex[:12]}"
    _postgres(server_url, f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        _postgres(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with fresh_installation(tmp_path) as env:
        yield env


@pytest.fixture(scope="module")
def migrated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with fresh_installation(tmp_path_factory.mktemp("migrated")) as env:
        migrated = tierdesk(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        yield env


def _postgres(url: str, statement: str) -> None:
    import psycopg

    settings = database_from_url(url)
    with psycopg.connect(
        dbname="postgres",
        user=str(settings["USER"]) or None,
        password=str(settings["PASSWORD"]) or None,
        host=str(settings["HOST"]) or None,
        port=str(settings["PORT"]) or None,
        autocommit=True,
    ) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def tierdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def counts(env: dict[str, str], *models: str) -> list[int]:
    code = "from django.apps import apps; " + "; ".join(
        f"print(apps.get_model({model!r}).objects.count())" for model in models
    )
    result = tierdesk(env, "manage", "shell", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    return [int(line) for line in result.stdout.split()[-len(models) :]]


def test_check_fails_before_migrate_and_passes_after(cli_env: dict[str, str]) -> None:
    before = tierdesk(cli_env, "check")
    assert before.returncode != 0
    assert "not applied" in before.stderr

    assert tierdesk(cli_env, "migrate").returncode == 0

    after = tierdesk(cli_env, "check")
    assert after.returncode == 0, after.stderr


def test_demo_creates_the_data_once_and_keeps_the_passwords_private(
    migrated_env: dict[str, str],
) -> None:
    first = tierdesk(migrated_env, "demo", "--tickets", "25")
    assert first.returncode == 0, first.stderr
    assert "demo tickets: 25/25" in first.stderr
    assert "admin" in first.stdout
    credentials = Path(migrated_env["TIERDESK_DATA_DIR"]) / "demo-credentials.txt"
    assert credentials.stat().st_mode & 0o777 == 0o600
    tickets, users = counts(migrated_env, "tickets.Ticket", "accounts.User")
    assert tickets == 25

    again = tierdesk(migrated_env, "demo", "--tickets", "25")
    assert again.returncode == 0
    assert "already loaded" in again.stderr
    assert counts(migrated_env, "tickets.Ticket", "accounts.User") == [tickets, users]


def test_createadmin_makes_a_superuser_from_a_password_file(
    migrated_env: dict[str, str], tmp_path: Path
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("a long and unusual passphrase\n")

    created = tierdesk(
        migrated_env, "createadmin", "--username", "root", "--email", "root@example.test",
        "--password-file", str(password_file),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    code = (
        "from tierdesk.accounts.models import User; u = User.objects.get(username='root'); "
        "print(u.is_superuser and u.check_password('a long and unusual passphrase'))"
    )
    shell = tierdesk(migrated_env, "manage", "shell", "-v", "0", "-c", code)
    assert shell.stdout.strip().endswith("True")

    again = tierdesk(
        migrated_env, "createadmin", "--username", "root", "--password-file", str(password_file)
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr


# ---- up ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_of(url: str) -> int | None:
    try:
        with LOCAL.open(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_for(url: str, status: int, *, within: float, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and process.poll() is None:
        if status_of(url) == status:
            return True
        time.sleep(0.5)
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def started_children(log: str) -> dict[str, int]:
    """The latest pid of each child named in ``up``'s log ("web (pid 12)", "worker again (pid
    15)")."""
    found: dict[str, int] = {}
    for name, pid in re.findall(r"(web|worker|scheduler)(?: again)? \(pid (\d+)\)", log):
        found[name] = int(pid)
    return found


def wait_for_log(path: Path, pattern: str, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if re.search(pattern, path.read_text()):
            return True
        time.sleep(0.3)
    return False


def test_up_serves_health_and_readiness_restarts_a_dead_child_and_sigterm_stops_all(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    site = f"http://127.0.0.1:{free_port()}"
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "tierdesk.cli", "up", "--no-demo", "--bind", site[7:]],
            env=cli_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        ready = wait_for(f"{site}/readyz", 200, within=90, process=up)
        assert ready, log_path.read_text()
        assert status_of(f"{site}/healthz") == 200
        first = started_children(log_path.read_text())
        assert set(first) == {"web", "worker", "scheduler"}

        os.kill(first["worker"], signal.SIGKILL)  # the worker dies (a crash, the OOM killer)

        restarted = wait_for_log(log_path, r"worker again \(pid \d+\)", within=60)
        assert restarted, log_path.read_text()
        assert "worker exited with status -9; starting it again" in log_path.read_text()
        assert up.poll() is None  # the product kept running
        assert status_of(f"{site}/healthz") == 200
        children = started_children(log_path.read_text())
        assert children["worker"] != first["worker"]
        assert children["web"] == first["web"]

        up.send_signal(signal.SIGTERM)

        assert up.wait(timeout=60) == 0
        assert not [pid for pid in children.values() if alive(pid)]
        assert status_of(f"{site}/healthz") is None
    finally:
        if up.poll() is None:
            up.kill()


def test_check_deploy_passes_with_the_documented_production_settings(
    migrated_env: dict[str, str],
) -> None:
    plain = tierdesk(migrated_env, "check", "--deploy")
    assert plain.returncode == 1
    assert "SECURE_HSTS_SECONDS" in plain.stderr

    production = {
        **migrated_env,
        "TIERDESK_SECRET_KEY": "a-long-random-production-secret-" + "k" * 40,
        "TIERDESK_ALLOWED_HOSTS": "support.example.com",
        "TIERDESK_SSL_REDIRECT": "true",
        "TIERDESK_HSTS_SECONDS": "31536000",
        "TIERDESK_HSTS_INCLUDE_SUBDOMAINS": "true",
        "TIERDESK_HSTS_PRELOAD": "true",
        "TIERDESK_REQUIRE_STAFF_2FA": "true",
        "TIERDESK_SMTP_HOST": "smtp.example.com",  # only named: the check sends nothing
    }
    checked = tierdesk(production, "check", "--deploy")
    assert checked.returncode == 0, checked.stderr
