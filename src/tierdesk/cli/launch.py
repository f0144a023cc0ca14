"""Commands that hand the process to another program, and the supervisor of ``tierdesk up``.

Nothing here sets Django up: gunicorn's workers and Django's ``manage`` do that themselves, and
the supervisor only starts and stops child processes.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import time
from typing import Any

from django.core.management import execute_from_command_line
from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app

from tierdesk.cli import progress
from tierdesk.core.env import env_bool, env_str

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long ``up`` waits for its children to stop gracefully before it kills them.
STOP_GRACE_SECONDS = 20


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
    """Start the children, wait for a stop signal or a child's death, then stop them all."""
    received: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    children = {name: _spawn(command) for name, command in commands.items()}
    progress("started " + ", ".join(f"{name} (pid {p.pid})" for name, p in children.items()))
    exit_code = 0
    while not received:
        dead = [(name, p.returncode) for name, p in children.items() if p.poll() is not None]
        if dead:
            name, code = dead[0]
            progress(f"{name} exited with status {code}; stopping the others")
            exit_code = code or 1
            break
        time.sleep(0.3)
    if received:
        progress(f"received {signal.Signals(received[0]).name}; stopping")
    _stop_all(children)
    return exit_code


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
