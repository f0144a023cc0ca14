"""What ``tierdesk reports`` does (its arguments are in ``tierdesk.reports.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from tierdesk.core.errors import InvalidInput
from tierdesk.reports.services import days_rebuild, monthly_reports_mail

BAR = 30


def run(args: argparse.Namespace) -> int:
    if args.reports_action == "rebuild":
        return cmd_rebuild(args)
    print(json.dumps({"mails": monthly_reports_mail()}))
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    try:
        first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    except ValueError:
        print("tierdesk reports rebuild: dates are YYYY-MM-DD", file=sys.stderr)
        return 2
    total = (last - first).days + 1

    def progress(_chunk_first: date, chunk_last: date) -> None:
        done = (chunk_last - first).days + 1
        filled = BAR * done // max(total, 1)
        bar = "#" * filled + "-" * (BAR - filled)
        print(f"\r[{bar}] {done}/{total} days", end="", file=sys.stderr, flush=True)

    try:
        rows = days_rebuild(first=first, last=last, progress=None if args.quiet else progress)
    except InvalidInput as error:
        print(f"tierdesk reports rebuild: {error.message}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    print(json.dumps({"days": max(total, 0), "rows": rows}))
    return 0
