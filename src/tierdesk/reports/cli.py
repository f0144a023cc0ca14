"""``tierdesk reports``: names, descriptions and arguments. What the commands do is in
``tierdesk.reports.commands``, imported once Django is set up; this module imports no Django.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

_help = (
    "Reports. 'reports rebuild --from DATE --to DATE' rebuilds the daily rollups of those days "
    '(both included; a progress bar on stderr, then one JSON line: {"days", "rows"}). '
    "'reports mail' mails last month's reports now if they are due and not sent yet."
)


def add_commands(add: Callable[..., None]) -> None:
    add("reports", "tierdesk.reports.commands:run", _help, _arguments)


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="reports_action", required=True, metavar="ACTION")
    rebuild = actions.add_parser("rebuild", help="Rebuild the daily rollups of a range of days.")
    rebuild.add_argument("--from", dest="first", required=True, metavar="DATE", help="YYYY-MM-DD")
    rebuild.add_argument("--to", dest="last", required=True, metavar="DATE", help="YYYY-MM-DD")
    rebuild.add_argument("--quiet", action="store_true", help="no progress bar")
    actions.add_parser("mail", help="Mail last month's reports if due (once per organization).")
