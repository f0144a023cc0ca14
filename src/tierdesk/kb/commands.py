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
from tierdesk.kb.importing import is_article_file, read_source, write_source
from tierdesk.kb.models import Section
from tierdesk.kb.services import ImportFile, articles_import

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
    sections = {section.slug: section for section in Section.objects.all()}
    # A batch of files is one transaction of a few statements (``articles_import``); its lines
    # print once it committed.
    for start in range(0, len(paths), IMPORT_BATCH):
        lines = _import_batch(root, paths[start : start + IMPORT_BATCH], sections, args)
        for line in lines:
            failed |= line["action"] == "failed"
            _print(line)
    return 1 if failed else 0


def _import_batch(
    root: Path, paths: list[Path], sections: dict[str, Section], args: argparse.Namespace
) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    files: list[ImportFile] = []
    for path in paths:
        name = str(path.relative_to(root))
        lines.append({"source": name, "action": "failed", "article": None, "reason": None})
        try:
            files.append(_import_file(path, name, sections, args))
        except (OSError, ValueError) as error:
            lines[-1]["reason"] = str(error)
    read = [line for line in lines if line["reason"] is None]
    for line, outcome in zip(read, articles_import(files=files), strict=True):
        line["action"] = outcome.action
        line["article"] = outcome.article.slug if outcome.article else None
        line["reason"] = _reason(outcome.error) if outcome.error else None
    return lines


def _import_file(
    path: Path, name: str, sections: dict[str, Section], args: argparse.Namespace
) -> ImportFile:
    source = read_source(path)
    section_slug = _text(source.meta.get("section")) or args.section
    section = sections.get(section_slug) if section_slug else None
    if section is None:
        raise ValueError(f"no such section: {section_slug}" if section_slug else "no section")
    visibility = _text(source.meta.get("visibility")) or args.visibility
    return ImportFile(name, source, section, visibility)


def _reason(error: TierdeskError) -> str:
    return f"{error.field}: {error.message}" if error.field else error.message


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
    import reads (front matter: slug, section, visibility, tags, summary, products): a round
    trip."""
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
        meta: dict[str, str | list[str]] = {
            "slug": article.slug, "section": article.section.slug,
            "visibility": article.visibility, "tags": article.tags, "summary": revision.summary,
        }  # fmt: skip
        if products := sorted(product.slug for product in article.products.all()):
            meta["products"] = products
        path.write_text(write_source(revision.title, revision.body, meta), encoding="utf-8")
        _print({"article": article.slug, "file": str(path.relative_to(root))})
    return 0
