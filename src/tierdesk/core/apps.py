import enum

from django.apps import AppConfig
from django.urls import register_converter

from tierdesk.core.text import IdConverter

# psycopg keeps the parsed form of a query (its %s placeholders turned into $n) in an LRU cache,
# but not for queries of more than 50 parameters: it assumes those are ORM-made multi-row
# INSERTs that never repeat. Ours that exceed it repeat on every request (opening a ticket is
# one 60-parameter statement), and re-parsing it on every call showed in the profile of a
# creation (figures: docs/benchmarks.md). A mail batch's multi-row INSERTs and UPDATE, 25 rows
# of up to 13 columns, repeat on every batch too. The cache stays bounded (128 queries).
PSYCOPG_CACHED_STATEMENT_PARAMS = 1000


class CoreConfig(AppConfig):
    name = "tierdesk.core"
    label = "core"
    verbose_name = "Tierdesk core"

    def ready(self) -> None:
        _cache_long_psycopg_queries()
        _adapt_enums_directly()
        _register_id_converter()


def _register_id_converter() -> None:
    """``<id:pk>`` in URL patterns: an id as ``core.text.parse_int`` reads it (Django's
    ``<int:>`` passes 20 digits on to the database, which refuses them with a 500)."""
    register_converter(IdConverter, "id")


def _cache_long_psycopg_queries() -> None:
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only: psycopg is the optional `postgres` extra
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 0) < PSYCOPG_CACHED_STATEMENT_PARAMS:
        _queries.MAX_CACHED_STATEMENT_PARAMS = PSYCOPG_CACHED_STATEMENT_PARAMS


def _adapt_enums_directly() -> None:
    """Give psycopg a dumper for each of our enums (``Status``, ``EventKind``...) by its own
    class. It finds one only for ``str`` and ``int`` themselves: for a subclass it walks the
    class's MRO on every parameter of every statement (a raised KeyError and a string built per
    class, visible in a mail message's profile). Run once all models are imported, before the
    first connection copies the global adapters."""
    try:
        import psycopg
        from psycopg.adapt import PyFormat
    except ImportError:
        return
    for kind in _subclasses(enum.Enum):
        if not kind.__module__.startswith(("tierdesk.", "django.")):
            continue
        base = str if issubclass(kind, str) else int if issubclass(kind, int) else None
        if base is None:
            continue
        # AUTO last: register_dumper files a dumper under its own format and under AUTO.
        for format in (PyFormat.BINARY, PyFormat.TEXT, PyFormat.AUTO):
            psycopg.adapters.register_dumper(kind, psycopg.adapters.get_dumper(base, format))


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
