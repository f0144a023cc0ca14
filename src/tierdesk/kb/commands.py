"""What ``tierdesk kb`` does (its arguments are in ``tierdesk.kb.cli``)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from tierdesk.accounts.models import User
from tierdesk.core.attachments import StoredFile, store
from tierdesk.core.errors import InvalidInput, TierdeskError
from tierdesk.kb import selectors
from tierdesk.kb.importing import SUFFIXES, is_article_file, read_source, write_source
from tierdesk.kb.links import file_name, image_paths, inside
from tierdesk.kb.models import Article, ArticleAttachment, Section
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
    read: list[tuple[dict[str, Any], list[str]]] = []  # each read file's line and image notes
    for path in paths:
        name = str(path.relative_to(root))
        lines.append({"source": name, "action": "failed", "article": None, "reason": None})
        try:
            file, notes = _import_file(root, path, name, sections, args)
        except (OSError, ValueError) as error:
            lines[-1]["reason"] = str(error)
            continue
        files.append(file)
        read.append((lines[-1], notes))
    for (line, notes), outcome in zip(read, articles_import(files=files), strict=True):
        line["action"] = outcome.action
        line["article"] = outcome.article.slug if outcome.article else None
        line["reason"] = _reason(outcome.error) if outcome.error else "; ".join(notes) or None
    return lines


def _import_file(
    root: Path, path: Path, name: str, sections: dict[str, Section], args: argparse.Namespace
) -> tuple[ImportFile, list[str]]:
    """The file to import, and a note for each image it shows that is not uploaded."""
    source = read_source(path)
    section_slug = _text(source.meta.get("section")) or args.section
    section = sections.get(section_slug) if section_slug else None
    if section is None:
        raise ValueError(f"no such section: {section_slug}" if section_slug else "no section")
    visibility = _text(source.meta.get("visibility")) or args.visibility
    images: list[StoredFile] = []
    notes: list[str] = []
    for link in image_paths(source.body):
        try:
            images.append(_image(root, path.parent, link))
        except ValueError as error:
            notes.append(str(error))
    return ImportFile(name, source, section, visibility, _unambiguous(images, notes)), notes


def _unambiguous(images: list[StoredFile], notes: list[str]) -> tuple[StoredFile, ...]:
    """The images without those whose name another image of other bytes has: a page finds an
    image by its name, so neither could show right (``a/logo.png`` and ``b/logo.png``)."""
    bytes_of: dict[str, set[str]] = {}
    for image in images:
        bytes_of.setdefault(image.name, set()).add(image.sha256)
    for name in sorted(name for name, digests in bytes_of.items() if len(digests) > 1):
        notes.append(f"images: two different images are named {name}, neither uploaded")
    return tuple(image for image in images if len(bytes_of[image.name]) == 1)


def _image(root: Path, base: Path, link: str) -> StoredFile:
    """The image a body shows by the relative path ``link``, read from ``base`` (never from
    outside ``root``) and stored now, before the batch's transaction (``ImportFile.images``).
    One missing, outside ``root`` or refused (``core.attachments.store``: too large) is a
    ``ValueError`` with the reason: its file is imported without it, the reason on its line (a
    manual's text is worth having while one of its pictures is lost; the link stays as written
    and shows once the image is there and the directory is imported again)."""
    target = inside(root, base, link)
    if target is None:
        raise ValueError(f"image {link}: outside the imported directory, not uploaded")
    if not target.is_file():
        raise ValueError(f"image {link}: not found, not uploaded")
    try:
        with target.open("rb") as stream:
            return store(stream=stream, filename=file_name(link))
    except InvalidInput as error:
        raise ValueError(f"image {link}: {error.message} Not uploaded.") from error
    except OSError as error:
        raise ValueError(f"image {link}: {error.strerror or error}, not uploaded") from error


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
    import reads (front matter: slug, section, visibility, tags, summary, products,
    versions): a round trip."""
    root = Path(args.directory)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"tierdesk kb export: {error}", file=sys.stderr)
        return 2
    written: dict[Path, str] = {}  # the images written so far, and their SHA-256
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
        if versions := article.version_lines:
            meta["versions"] = versions
        path.write_text(write_source(revision.title, revision.body, meta), encoding="utf-8")
        images, skipped = _export_images(root, path, article, revision.body, written)
        _print(
            {"article": article.slug, "file": str(path.relative_to(root)), "images": images,
             "skipped": skipped}
        )  # fmt: skip
    return 0


def _export_images(
    root: Path, path: Path, article: Article, body: str, written: dict[Path, str]
) -> tuple[list[str], list[str]]:
    """The live files of the article its body shows by a relative path, written where the body
    names them from ``path``: the paths written (from ``root``) and a note per image skipped."""
    links = image_paths(body)
    if not links:
        return [], []
    # The files readers of the live revision see (one query, for an article showing images).
    live = selectors.article_files(user=None, article=article, live=True)
    files = {file.filename: file for file in live}
    images: list[str] = []
    skipped: list[str] = []
    for link in links:
        target = inside(root, path.parent, link)
        try:
            _export_image(target, files.get(file_name(link)), written)
        except (OSError, ValueError) as error:
            skipped.append(f"image {link}: {error}")
            continue
        assert target is not None  # _export_image refuses None
        images.append(str(target.relative_to(root.resolve())))
    return images, skipped


def _export_image(
    target: Path | None, file: ArticleAttachment | None, written: dict[Path, str]
) -> None:
    """Write ``file`` at ``target``; ``ValueError`` with the reason it cannot be: never outside
    DIR (an import would refuse it too), nor over another article's image of other bytes or a
    file an import would read as an article."""
    if target is None:
        raise ValueError("outside DIR, not written")
    if file is None:
        raise ValueError("not one of the article's files")
    if target.name.lower().endswith(SUFFIXES):
        raise ValueError("an import would read it as an article, not written")
    if written.setdefault(target, file.sha256) != file.sha256:
        raise ValueError("another article's image of other bytes is written there")
    target.parent.mkdir(parents=True, exist_ok=True)
    with file.file.open("rb") as stream, target.open("wb") as out:
        shutil.copyfileobj(stream, out)
