"""The ``tierdesk`` command: run, set up and look after a Tierdesk installation.

``tierdesk up`` is the all-in-one start for a small team (web, worker and scheduler on one
machine); the other subcommands are its parts, for running each on its own machines at scale.

The parser (``tierdesk.cli.parser``) is built before Django is set up, so ``--help`` needs
neither settings nor a database. A command therefore names its handler by dotted path
(``"tierdesk.cli.install:cmd_migrate"``): ``main`` sets Django up and only then imports the
handler's module, which may import models at its top like any other module. Commands that hand
the process to a program which sets Django up itself (gunicorn, ``manage``) skip the set-up.

An app offers commands in its own ``cli.py`` with ``add_commands(add)``, calling
``add(name, handler, description, arguments)``; such a module imports no models. This package
is the top layer: it imports the apps' command modules, and no app imports it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable

import django
from django.apps import apps

from tierdesk.cli.parser import build_parser

Handler = Callable[[argparse.Namespace], int]

__all__ = ["build_parser", "fail", "main", "progress", "setup_django"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: str | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if args.django:
        setup_django()
    return handler_of(handler)(args)


def handler_of(path: str) -> Handler:
    """The function ``"package.module:function"`` names."""
    module, _, name = path.partition(":")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    if not apps.ready:  # set up already: the tests, or a command run from another
        django.setup()


def progress(message: str) -> None:
    print(f"tierdesk: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> int:
    progress(f"error: {message}")
    return 1
