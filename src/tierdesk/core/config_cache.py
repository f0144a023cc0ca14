"""Per-process caches of configuration that nearly every request reads and an admin changes a
few times a year: which team takes new tickets, the teams, categories and plans a ticket is
shown with.

An entry lives ``CACHE_SECONDS``. A change saved in this process clears the cache at once
(connect ``ConfigCache.clear`` to the model's signals); other processes see it within
``CACHE_SECONDS`` (the SLA plans in ``tierdesk.sla.config`` are kept the same way). Cached
model instances are shared between requests and threads: callers must not modify them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
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
        return self.get_many([key], lambda missing: {key: load()})[key]

    def get_many(
        self, keys: Iterable[Hashable], load: Callable[[set[Hashable]], dict[Hashable, Any]]
    ) -> dict[Hashable, Any]:
        """The values of ``keys``; ``load(missing)`` loads those not cached, all in one go."""
        fresh_after = time.monotonic() - self.seconds
        found = {
            key: entry[1]
            for key in keys
            if (entry := self._entries.get(key)) is not None and entry[0] > fresh_after
        }
        missing = set(keys) - found.keys()
        if missing:
            loaded = load(missing)
            stamp = time.monotonic()
            with self._lock:
                self._entries.update({key: (stamp, value) for key, value in loaded.items()})
            found.update(loaded)
        return found

    def clear(self, *args: object, **kwargs: object) -> None:
        with self._lock:
            self._entries.clear()


def clear_config_caches() -> None:
    """Forget everything cached (tests: rolled-back ids may be reused by the next test)."""
    for cache in _every_cache:
        cache.clear()
