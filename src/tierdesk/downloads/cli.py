"""``tierdesk releases publish``: name, description and arguments. What it does is in
``tierdesk.downloads.commands``, imported once Django is set up; this module imports no Django.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

KINDS = ["full", "service-pack", "patch", "hotfix"]

_help = (
    "Releases in the download centre. 'releases publish --product SLUG --version V --kind KIND "
    "FILE...' stores the files in the version's draft release of that kind (creating the "
    "product, version and release when missing) and publishes it unless --draft. Idempotent by "
    "SHA-256: files the version already has are unchanged. Detached signatures (.asc, .sig) "
    'attach to the file they sign. Prints one JSON line per file: {"source", "action": '
    'published|unchanged|draft|failed, "release", "sha256", "url", "reason"}.'
)


def add_commands(add: Callable[..., None]) -> None:
    add("releases", "tierdesk.downloads.commands:run", _help, _arguments)


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="releases_action", required=True, metavar="ACTION")
    publish = actions.add_parser("publish", help="Publish files as a release.")
    publish.add_argument("--product", required=True, metavar="SLUG")
    publish.add_argument("--version", required=True, metavar="V")
    publish.add_argument("--kind", required=True, choices=KINDS)
    publish.add_argument("--notes", metavar="NOTES.md", help="release notes (Markdown file)")
    publish.add_argument("--draft", action="store_true", help="store, do not publish yet")
    publish.add_argument("--public", action="store_true", help="anybody may download it")
    publish.add_argument(
        "--as", dest="username", metavar="USERNAME",
        help="publish as this release manager (default: Tierdesk itself)",
    )  # fmt: skip
    publish.add_argument("files", nargs="+", metavar="FILE")
