"""``tierdesk kb import`` and ``tierdesk kb search``: names, descriptions and arguments. What they
do is in ``tierdesk.kb.commands``, imported once Django is set up; this module imports no Django.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

VISIBILITIES = ["public", "customers", "partners", "internal"]

_help = (
    "Knowledge base. 'kb import DIR' reads Markdown and text files (.md, .txt, gzipped .gz), "
    "with the images they show by a relative path inside DIR, and "
    'prints one JSON line per file: {"source", "action": created|updated|unchanged|failed, '
    '"article", "reason"}; imported articles are published at once. \'kb search QUERY\' prints '
    'one JSON line per result, best first: {"article", "title", "score", "source"}, as an '
    "anonymous visitor would find it unless --as USERNAME. 'kb export DIR' writes every published "
    "article as DIR/SECTION/SLUG.md in the format the import reads, its images where its text "
    "names them."
)


def add_commands(add: Callable[..., None]) -> None:
    add("kb", "tierdesk.kb.commands:run", _help, _arguments)


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="kb_action", required=True, metavar="ACTION")
    imports = actions.add_parser("import", help="Import a directory of articles.")
    imports.add_argument("directory", metavar="DIR")
    imports.add_argument(
        "--section", metavar="SLUG", help="for files whose front matter names none"
    )
    imports.add_argument(
        "--visibility", choices=VISIBILITIES, default="internal",
        help="for files whose front matter says none (default: internal)",
    )  # fmt: skip
    export = actions.add_parser("export", help="Write every published article to a directory.")
    export.add_argument("directory", metavar="DIR")
    search = actions.add_parser("search", help="Search the knowledge base.")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=int, default=10, help="at most 50 (default: 10)")
    search.add_argument("--as", dest="username", metavar="USERNAME", help="search as this user")
