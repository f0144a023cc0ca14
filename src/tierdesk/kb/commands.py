"""What ``tierdesk kb`` does (its arguments are in ``tierdesk.kb.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from django.db import transaction

from tierdesk.accounts.models import User
from tierdesk.core.errors import TierdeskError
from tierdesk.kb import selectors
from tierdesk.kb.importing import is_article_file, read_source, write_source
from tierdesk.kb.models import Section
from tierdesk.kb.services import article_import

IMPORT_BATCH = 200


def run(args: argparse.Namespace) -> int:
    if args.kb_action == "import":
        return cmd_import(args)
    if args.kb_action == "export":
        return cmd_export(args)
    return cmd_search(args)


def cmd_import(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    if not root.is_dir():
        print(f"tierdesk kb import: {root} is not a directory", file=sys.stderr)
        return 2
    failed = False
    paths = sorted(p for p in root.rglob("*") if is_article_file(p))
    # One commit per batch, not per file: a commit waits for the disk, and 10,000 of them were
    # most of an import's time. Each file still succeeds or fails alone (its own savepoint,
    # ``article_import``'s atomic block), and a batch's lines print once it committed.
    for start in range(0, len(paths), IMPORT_BATCH):
        with transaction.atomic():
            lines = [
                _import_one(path, str(path.relative_to(root)), args)
                for path in paths[start : start + IMPORT_BATCH]
            ]
        for line in lines:
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


def cmd_export(args: argparse.Namespace) -> int:
    """Every published article's live revision as ``DIR/SECTION/SLUG.md``, in the format the
    import reads (front matter: slug, section, visibility, tags, summary): a round trip."""
    root = Path(args.directory)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"tierdesk kb export: {error}", file=sys.stderr)
        return 2
    for article in selectors.export_list():
        revision = article.published_revision
        assert revision is not None  # export_list answers published articles only
        path = root / article.section.slug / f"{article.slug}.md"
        path.parent.mkdir(exist_ok=True)
        meta = {
            "slug": article.slug, "section": article.section.slug,
            "visibility": article.visibility, "tags": article.tags, "summary": revision.summary,
        }  # fmt: skip
        path.write_text(write_source(revision.title, revision.body, meta), encoding="utf-8")
        _print({"article": article.slug, "file": str(path.relative_to(root))})
    return 0
