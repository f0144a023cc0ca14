"""What ``tierdesk ingest-alert`` and ``tierdesk monitoring-source`` do (their arguments are in
``tierdesk.monitoring.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.errors import InvalidInput
from tierdesk.monitoring.models import Source
from tierdesk.monitoring.services import (
    Outcome,
    payload_ingest,
    source_create,
    source_rotate_token,
)


def run(args: argparse.Namespace) -> int:
    source = _source(args.source, args.slug)
    if source is None:
        print(f"tierdesk ingest-alert: no active {args.source} source {args.slug}", file=sys.stderr)
        return 2
    rejected = False
    for name in args.files:
        outcome = _ingest_one(source, Path(name))
        rejected |= outcome.action == "rejected"
        print(json.dumps({"source": name, **outcome.as_dict()}, ensure_ascii=False), flush=True)
    return 1 if rejected else 0


def _source(kind: str, slug: str | None) -> Source | None:
    if slug:
        return Source.objects.filter(slug=slug, kind=kind, is_active=True).first()
    found = Source.objects.filter(kind=kind, is_active=True).order_by("id").first()
    if found is None:
        found, _token = source_create(actor=SYSTEM, name=kind, slug=kind, kind=kind)
    return found


def _ingest_one(source: Source, path: Path) -> Outcome:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Outcome("rejected", None, f"cannot read {path}: {exc.strerror or exc}")
    payload: bytes | dict[str, Any] = raw
    if source.kind == "nagios":
        payload = environment_lines(raw.decode("utf-8", "replace"))
    return payload_ingest(source=source, payload=payload)


def environment_lines(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines; lines starting with ``#`` or without ``=`` are ignored."""
    found = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        found[key.strip()] = value
    return found


def run_source(args: argparse.Namespace) -> int:
    """Create a source, or rotate its token; print the token once."""
    if args.source_action == "create":
        try:
            source, token = source_create(
                actor=SYSTEM, name=args.name, slug=args.slug, kind=args.kind,
                on_recovery=args.on_recovery, reopen_minutes=max(args.reopen_minutes, 0),
            )  # fmt: skip
        except InvalidInput as exc:
            print(f"tierdesk monitoring-source: {exc.message}", file=sys.stderr)
            return 2
    else:
        found = Source.objects.filter(slug=args.slug).first()
        if found is None:
            print(f"tierdesk monitoring-source: no source {args.slug!r}", file=sys.stderr)
            return 2
        source, token = found, source_rotate_token(actor=SYSTEM, source=found)
    line = {"slug": source.slug, "kind": source.kind,
            "path": f"/api/v1/monitoring/{source.slug}", "token": token}  # fmt: skip
    print(json.dumps(line), flush=True)
    return 0
