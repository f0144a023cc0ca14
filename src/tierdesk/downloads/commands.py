"""What ``tierdesk releases`` does (its arguments are in ``tierdesk.downloads.cli``)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from tierdesk.accounts.models import User
from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.errors import TierdeskError
from tierdesk.downloads.services import PublishRequest, releases_publish_files


def run(args: argparse.Namespace) -> int:
    return cmd_publish(args)


def cmd_publish(args: argparse.Namespace) -> int:
    actor: Any = SYSTEM
    if args.username:
        actor = User.objects.filter(username=args.username, is_active=True).first()
        if actor is None:
            print(f"tierdesk releases publish: no active user {args.username}", file=sys.stderr)
            return 2
    notes = None
    if args.notes:
        try:
            notes = Path(args.notes).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"tierdesk releases publish: {args.notes}: {error}", file=sys.stderr)
            return 2
    request = PublishRequest(
        product=args.product, version=args.version, kind=args.kind, notes=notes,
        draft=args.draft, public=args.public,
    )  # fmt: skip
    files = [(name, Path(name)) for name in args.files]
    try:
        lines = releases_publish_files(actor=actor, request=request, files=files)
    except TierdeskError as error:
        reason = f"{error.field}: {error.message}" if error.field else error.message
        for name in args.files:
            _print({"source": name, "action": "failed", "release": None, "sha256": None,
                    "url": None, "reason": reason})  # fmt: skip
        return 1
    for line in lines:
        _print(dataclasses.asdict(line))
    return 1 if any(line.action == "failed" for line in lines) else 0


def _print(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)
