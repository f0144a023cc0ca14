"""The knowledge base beside the 1,000,000-ticket database: import, search, suggestions, pages.

    flock /tmp/bench.lock .venv/bin/python bench/bench_kb.py \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] \
        [--articles 10000] [--requests 300] [--keep] [--reuse] [--clean-only]

a. Import: ARTICLES Markdown files (front matter, headings, lists, a table, a code block; about
   250 words each, from a vocabulary of a few thousand generated words) written to a temporary
   directory and imported by ``tierdesk kb import`` (in process, its JSON lines to /dev/null).
   Measured: the wall time of the whole import (target <= 60 s for 10,000 files).
b. Help-centre search: ``/kb/search/?q=`` as an anonymous visitor, questions of 4 to 8 words
   drawn from the vocabulary (target p95 <= 30 ms).
c. Suggestions: ``/kb/suggest/?subject=&body=`` as a signed-in contact, what a contact types
   into the new-ticket form (target p95 <= 50 ms).
d. Article page: ``/kb/articles/SLUG/`` of random public articles, anonymous (target p95 <= 20 ms;
   it counts the view and finds related articles).

In process: Django's test Client drives the real WSGI handler with every middleware; the time is
``perf_counter`` around each request (no network, no browser). Everything the run wrote (the
articles, their revisions, search documents, views, the contact's session) is deleted at the end,
so the benchmark database is left as it was (a run stopped by SIGTERM too); ``--clean-only``
deletes what a killed run left. ``--keep`` leaves the articles (to profile, or to measure again
with ``--reuse``, which skips the import); end with ``--clean-only``. Run it under
``flock /tmp/bench.lock``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CHECKOUT = BENCH_DIR.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"
SOURCE_PREFIX = "bench-kb/"  # every imported file's name starts so: the clean-up finds them
SECTIONS = ["setup", "upgrade", "configuration", "monitoring", "maintenance", "troubleshooting"]
VISIBILITIES = ["public"] * 6 + ["customers"] * 3 + ["internal"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--clean-only", action="store_true", help="only delete what an interrupted run left"
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the articles for profiling (then --clean-only)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the articles a --keep run left, no import"
    )
    return parser.parse_args(argv)


def setup_django(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "TIERDESK_DATA_DIR": tempfile.mkdtemp(prefix="td-bench-kb-"),
            "TIERDESK_DEBUG": "false",
            "TIERDESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        }
    )
    sys.path.insert(0, str(CHECKOUT / "src"))
    import django

    django.setup()


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Pronounceable made-up words plus common support words, so some terms are frequent."""
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words = {
        "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        for _ in range(size)
    }
    common = [
        "server", "database", "backup", "restore", "upgrade", "mail", "error", "login",
        "password", "disk", "slow", "network", "certificate", "agent", "ticket", "queue",
        "report", "export", "import", "worker", "license", "user", "permission",
    ]  # fmt: skip
    return sorted(words) + common * 40


def article_text(rng: random.Random, words: list[str], n: int) -> tuple[str, str]:
    def sentence(length: int) -> str:
        return " ".join(rng.choice(words) for _ in range(length)).capitalize() + "."

    title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 6))).capitalize()
    parts = [
        "---",
        f"section: {rng.choice(SECTIONS)}",
        f"visibility: {rng.choice(VISIBILITIES)}",
        f"tags: [{rng.choice(words)}, {rng.choice(words)}]",
        "---",
        f"# {title} {n}",
        "",
        " ".join(sentence(rng.randint(8, 14)) for _ in range(3)),
    ]
    for _ in range(3):
        parts += ["", f"## {sentence(rng.randint(2, 4))[:-1]}", ""]
        parts.append(" ".join(sentence(rng.randint(8, 14)) for _ in range(4)))
        parts += ["", f"- {sentence(5)}", f"- {sentence(6)}"]
    parts += ["", "| setting | value |", "|---|---|", f"| {rng.choice(words)} | 42 |"]
    parts += ["", "```", f"tierdesk {rng.choice(words)} --{rng.choice(words)}", "```", ""]
    return f"{n:05d}.md", "\n".join(parts)


def question(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(4, 8)))


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "max_ms": round(max(samples), 2),
        "requests": len(samples),
    }


def measure(client: Any, urls: list[tuple[str, dict[str, str]]], warmup: int = 20) -> Any:
    samples = []
    for i, (path, params) in enumerate(urls):
        started = time.perf_counter()
        response = client.get(path, params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: {response.status_code}")
        if i >= warmup:
            samples.append(elapsed)
    return percentiles(samples)


def import_articles(directory: Path) -> float:
    from tierdesk.cli import main as tierdesk_main

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        status = tierdesk_main(["kb", "import", str(directory)])
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"the import failed (exit {status})")
    return elapsed


def rank_related() -> float:
    """What the workers do after an import (``kb.tasks.rank_related``, one task per committed
    batch): rank each imported article's related articles. Run here in-process, in the
    import's batches, and timed apart from the import; the queued task rows are then removed."""
    from django_tasks_db.models import DBTaskResult

    from tierdesk.kb.models import Article
    from tierdesk.kb.services.related import related_refresh_ids
    from tierdesk.kb.tasks import rank_related as task

    ids = list(
        Article.objects.filter(source__startswith=SOURCE_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    started = time.perf_counter()
    for start in range(0, len(ids), 200):
        related_refresh_ids(ids[start : start + 200])
    elapsed = time.perf_counter() - started
    DBTaskResult.objects.filter(task_path=task.module_path, status="READY").delete()
    return elapsed


def analyze() -> None:
    """What autovacuum does within a minute of 10,000 new rows (it is off on the benchmark
    server): the statistics, without which the requests measured just after the import would be
    planned for the empty tables of before (and the search would not know its common words); and
    the vacuum of the rows earlier runs deleted, which the search's index scans would visit."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) kb_article, kb_revision, kb_search, kb_relatedarticle")


def clean_up(contact_user_id: int | None) -> int:
    from django.contrib.sessions.models import Session
    from django.db import connection

    from tierdesk.kb.models import Article

    ours = Article.objects.filter(source__startswith=SOURCE_PREFIX)
    ids = list(ours.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        key = "article_id" if connection.vendor == "postgresql" else "rowid"
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            cursor.execute(f"DELETE FROM kb_search WHERE {key} = ANY(%s)", [chunk])
    Article.objects.filter(pk__in=ids).update(published_revision=None)
    Article.objects.filter(pk__in=ids).delete()
    if contact_user_id is not None:
        for session in Session.objects.all().iterator():
            if session.get_decoded().get("_auth_user_id") == str(contact_user_id):
                session.delete()
    return len(ids)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    from tierdesk.crm.models import Contact
    from tierdesk.kb.models import Article

    reuse = args.reuse and Article.objects.filter(source__startswith=SOURCE_PREFIX).exists()
    if not reuse and Article.objects.filter(source__startswith=SOURCE_PREFIX).exists():
        clean_up(None)  # a run that was interrupted
    rng = random.Random(args.seed)
    words = vocabulary(rng)
    workdir = Path(tempfile.mkdtemp(prefix="td-bench-kb-files-"))
    files = workdir / SOURCE_PREFIX.rstrip("/")
    files.mkdir()
    for n in range(args.articles):
        name, text = article_text(rng, words, n)  # also when reused: the same questions follow
        if not reuse:
            (files / name).write_text(text, encoding="utf-8")
    contact = Contact.objects.filter(user__isnull=False, user__is_active=True).first()
    results: dict[str, Any] = {"articles": args.articles, "reused": reuse}
    try:
        if not reuse:
            results["import_s"] = round(import_articles(workdir), 2)
            analyze()  # the workers rank after autovacuum has seen the import
            results["related_rank_s"] = round(rank_related(), 2)  # the workers' part
            analyze()
        results["articles_in_db"] = Article.objects.count()
        public = list(
            Article.objects.filter(
                source__startswith=SOURCE_PREFIX, visibility="public"
            ).values_list("slug", flat=True)[:2000]
        )
        anonymous = Client(HTTP_HOST="127.0.0.1")
        count = args.requests
        searches = [("/kb/search/", {"q": question(rng, words)}) for _ in range(count)]
        results["search"] = measure(anonymous, searches)
        typed = [
            ("/kb/suggest/", {"subject": question(rng, words), "body": question(rng, words)})
            for _ in range(count)
        ]
        signed_in = Client(HTTP_HOST="127.0.0.1")
        if contact is not None:
            signed_in.force_login(contact.user)
        results["suggest"] = measure(signed_in, typed)
        results["suggest_as"] = "contact" if contact is not None else "anonymous"
        pages = [(f"/kb/articles/{rng.choice(public)}/", {}) for _ in range(count)]
        results["article_page"] = measure(anonymous, pages)
    finally:
        if not args.keep:
            results["cleaned_up"] = clean_up(contact.user_id if contact else None)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> None:
    # A timeout's SIGTERM runs the clean-up too (``finally`` in ``run``).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    setup_django(args.database_url)
    if args.clean_only:
        print(json.dumps({"cleaned_up": clean_up(None)}))
        return
    results = run(args)
    results["load_average"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
