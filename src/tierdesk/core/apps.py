from django.apps import AppConfig

# psycopg keeps the parsed form of a query (its %s placeholders turned into $n) in an LRU cache,
# but not for queries of more than 50 parameters: it assumes those are ORM-made multi-row
# INSERTs that never repeat. Ours that exceed it repeat on every request (opening a ticket is
# one 60-parameter statement), and re-parsing it cost ~0.4 ms of a creation's ~3 ms of Python
# (measured in-process at 1M tickets). The cache stays bounded (128 queries).
PSYCOPG_CACHED_STATEMENT_PARAMS = 200


class CoreConfig(AppConfig):
    name = "tierdesk.core"
    label = "core"
    verbose_name = "Tierdesk core"

    def ready(self) -> None:
        _cache_long_psycopg_queries()


def _cache_long_psycopg_queries() -> None:
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only: psycopg is the optional `postgres` extra
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", 0) < PSYCOPG_CACHED_STATEMENT_PARAMS:
        _queries.MAX_CACHED_STATEMENT_PARAMS = PSYCOPG_CACHED_STATEMENT_PARAMS
