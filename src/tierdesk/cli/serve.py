"""``tierdesk up``, ``worker`` and ``scheduler``: the long-running processes."""

from __future__ import annotations

import argparse
import sys

from tierdesk.cli import progress
from tierdesk.cli.install import migrate, print_sign_ins
from tierdesk.cli.launch import supervise
from tierdesk.core.worker import run_scheduler, run_worker
from tierdesk.demo import loader as demo


def cmd_up(args: argparse.Namespace) -> int:
    migrate()
    if not args.no_demo and demo.database_is_empty():
        progress("first start on an empty database: loading the demo data")
        demo.load(report=progress)
    print_sign_ins(args.bind)
    me = [sys.executable, "-m", "tierdesk.cli"]
    return supervise(
        {
            "web": [*me, "web", "--bind", args.bind],
            "worker": [*me, "worker", "--no-scheduler"],
            "scheduler": [*me, "scheduler"],
        }
    )


def cmd_worker(args: argparse.Namespace) -> int:
    run_worker(
        queues=args.queue.split(","),
        interval=args.interval,
        schedule=not args.no_scheduler,
        batch=args.batch,
    )
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    run_scheduler()
    return 0
