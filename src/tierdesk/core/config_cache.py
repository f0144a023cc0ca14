"""Per-process caches of configuration that nearly every request reads and an admin changes a
few times a year: which team takes new tickets, the teams, categories and plans a ticket is
shown with.

An entry lives ``CACHE_SECONDS``. A change saved in this process clears the cache at once
(connect ``ConfigCache.clear`` to the model's signals); other processes see it within
``CACHE_SECONDS``, the same promise as the SLA plan cache (``tierdesk.sla.config``). Cached
model instances are shared between requests and threads: callers must not modify them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

CACHE_SECONDS = 60.0

_every_cache: list[ConfigCache] = []


class ConfigCache:
    """A dict of loaded values with an age limit; ``clear`` also works as a signal receiver."""

    def __init__(self, name: str, seconds: float = CACHE_SECONDS) -> None:
        self.name = name
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        _every_cache.append(self)

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic() - self.seconds:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
        return value

    def clear(self, *args: object, **kwargs: object) -> None:
        with self._lock:
            self._entries.clear()


def clear_config_caches() -> None:
    """Forget everything cached (tests: rolled-back ids may be reused by the next test)."""
    for cache in _every_cache:
        cache.clear()
