"""Commands that hand the process to another program, and the supervisor of ``tierdesk up``.

Nothing here sets Django up: gunicorn's workers and Django's ``manage`` do that themselves, and
the supervisor only starts, restarts and stops child processes.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from django.core.management import execute_from_command_line
from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app

from tierdesk.cli import progress
from tierdesk.core.env import env_bool, env_str

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long ``up`` waits for its children to stop gracefully before it kills them.
STOP_GRACE_SECONDS = 20
# A child that died is started again after this, doubling up to the maximum while it keeps
# dying; one that ran for STEADY_SECONDS starts over at the first delay.
RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 60.0
STEADY_SECONDS = 60.0


def cmd_web(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    options = {
        "bind": args.bind,
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread",
        "timeout": args.timeout,
        "graceful_timeout": 10,
        "accesslog": "-" if env_bool("TIERDESK_WEB_ACCESS_LOG", True) else None,
        "forwarded_allow_ips": env_str("TIERDESK_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "proc_name": "tierdesk-web",
    }
    TierdeskWeb(options).run()
    return 0


class TierdeskWeb(BaseApplication):
    """gunicorn with our options; each worker process loads the WSGI application itself."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return import_app("tierdesk.wsgi:application")


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    execute_from_command_line(["tierdesk manage", *(args.arguments or ["help"])])
    return 0


# ---- the supervisor of ``tierdesk up`` ----------------------------------------------------


def supervise(commands: dict[str, list[str]]) -> int:
    """Start the children and keep them running until a stop signal, then stop them all.

    A child that dies is started again after a back-off (``RESTART_FIRST_SECONDS``, doubling
    up to ``RESTART_MAX_SECONDS`` while it keeps dying, from the start again once it has run
    for ``STEADY_SECONDS``), and each death and restart is logged: a worker that crashed must
    not take the web and the scheduler down with it."""
    received: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    children = [Child(name, command) for name, command in commands.items()]
    for child in children:
        child.start()
    progress("started " + ", ".join(f"{c.name} (pid {c.pid})" for c in children))
    while not received:
        for child in children:
            child.look_after(time.monotonic())
        time.sleep(0.3)
    progress(f"received {signal.Signals(received[0]).name}; stopping")
    _stop_all({c.name: c.process for c in children if c.process is not None})
    return 0


@dataclass
class Child:
    """One supervised process: its command, the running process (``None`` while it waits to
    be started again) and its back-off."""

    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay: float = RESTART_FIRST_SECONDS
    restart_at: float = 0.0

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def start(self) -> None:
        self.process = _spawn(self.command)
        self.started_at = time.monotonic()

    def look_after(self, at: float) -> None:
        if self.process is None:
            if at >= self.restart_at:
                self.start()
                progress(f"started {self.name} again (pid {self.pid})")
            return
        code = self.process.poll()
        if code is None:
            return
        if at - self.started_at >= STEADY_SECONDS:
            self.delay = RESTART_FIRST_SECONDS
        progress(f"{self.name} exited with status {code}; starting it again in {self.delay:.0f} s")
        self.process = None
        self.restart_at = at + self.delay
        self.delay = min(self.delay * 2, RESTART_MAX_SECONDS)


def _spawn(command: list[str]) -> subprocess.Popen[bytes]:
    # Each child gets its own process group, so a terminal's Ctrl-C reaches only this
    # supervisor, which then stops the children once and in order. If the supervisor is killed
    # outright, the kernel sends them SIGTERM (Linux), so nothing is left running.
    return subprocess.Popen(command, process_group=0, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    # Not on Linux: no such call, and the supervisor's own stop handling still applies.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            progress(f"{name} did not stop in {STOP_GRACE_SECONDS} s; killing it")
            child.kill()
            child.wait()
