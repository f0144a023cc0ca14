"""What ``tierdesk kb`` does (its arguments are in ``tierdesk.kb.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tierdesk.accounts.models import User
from tierdesk.core.errors import TierdeskError
from tierdesk.kb import selectors
from tierdesk.kb.importing import is_article_file, read_source
from tierdesk.kb.models import Section
from tierdesk.kb.services import article_import


def run(args: argparse.Namespace) -> int:
    if args.kb_action == "import":
        return cmd_import(args)
    return cmd_search(args)


def cmd_import(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    if not root.is_dir():
        print(f"tierdesk kb import: {root} is not a directory", file=sys.stderr)
        return 2
    failed = False
    for path in sorted(p for p in root.rglob("*") if is_article_file(p)):
        name = str(path.relative_to(root))
        line = _import_one(path, name, args)
        failed |= line["action"] == "failed"
        _print(line)
    return 1 if failed else 0


def _import_one(path: Path, name: str, args: argparse.Namespace) -> dict[str, Any]:
    line: dict[str, Any] = {"source": name, "action": "failed", "article": None, "reason": None}
    try:
        source = read_source(path)
        section_slug = _text(source.meta.get("section")) or args.section
        section = Section.objects.filter(slug=section_slug).first() if section_slug else None
        if section is None:
            raise ValueError(f"no such section: {section_slug}" if section_slug else "no section")
        visibility = _text(source.meta.get("visibility")) or args.visibility
        action, article = article_import(
            name=name, source=source, section=section, visibility=visibility
        )
    except (OSError, ValueError) as error:
        line["reason"] = str(error)
        return line
    except TierdeskError as error:
        line["reason"] = f"{error.field}: {error.message}" if error.field else error.message
        return line
    return {**line, "action": action, "article": article.slug}


def cmd_search(args: argparse.Namespace) -> int:
    user = None
    if args.username:
        user = User.objects.filter(username=args.username, is_active=True).first()
        if user is None:
            print(f"tierdesk kb search: no active user {args.username}", file=sys.stderr)
            return 2
    for article in selectors.article_search(user=user, q=args.query, limit=args.limit):
        revision = article.published_revision
        _print(
            {
                "article": article.slug,
                "title": revision.title if revision else "",
                "score": round(getattr(article, "score", 0.0), 6),
                "source": article.source or None,
            }
        )
    return 0


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _print(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)
