"""Rate limits from ``settings.NINJA_DEFAULT_THROTTLE_RATES``: per token (or user), and per
address for requests that carry no valid credentials.

Why not ninja's ``AnonRateThrottle``/``AuthRateThrottle`` as they are:
- they keep the request's key and history on the throttle object, which every request thread
  shares (gunicorn gthread): two requests at once can count against each other's key;
- ``AuthRateThrottle`` keys on ``str(request.auth)``, a user's display name, which is not unique;
- they read the rates once at import, so a settings override (or a test) cannot change them;
- they store a list of timestamps per key, read and rewritten on every request: in embedded mode
  the default cache is the database, which would add queries and a write to every API call.

These count in fixed windows with ``cache.incr``: stateless, cheap, atomic on Redis. With Redis
(``REDIS_URL``) the counts are shared by every web process; embedded, they live in each process's
memory, which is what a single-host install needs.
"""

from __future__ import annotations

import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle

_LOCAL = LocMemCache("tierdesk-api-rate-limits", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def rate_cache() -> BaseCache:
    default = caches["default"]
    return _LOCAL if isinstance(default, DatabaseCache) else default


def clear() -> None:
    """Forget every count in this process (tests start each case with a clean slate)."""
    _LOCAL.clear()


@lru_cache(maxsize=32)
def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` -> (60, 60); ``"5/10s"`` -> (5, 10)."""
    count, _, period = rate.partition("/")
    digits = "".join(ch for ch in period if ch.isdigit())
    unit = period[len(digits) :].strip() or "s"
    return int(count), int(digits or 1) * _PERIODS[unit]


class RateLimit(BaseThrottle):
    """Allow ``scope``'s rate per key; ``key`` says whose requests count together."""

    scope = ""

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.key(request)
        rate = settings.NINJA_DEFAULT_THROTTLE_RATES.get(self.scope)
        if key is None or not rate:
            return True
        limit, period = parse_rate(rate)
        window = int(time.time() // period)
        cache_key = f"tdk-rate:{self.scope}:{key}:{window}"
        cache = rate_cache()
        cache.add(cache_key, 0, timeout=period + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # evicted between add and incr: this request is the window's first
            cache.set(cache_key, 1, timeout=period + 1)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        """Seconds until the current window ends (the same for every key)."""
        rate = settings.NINJA_DEFAULT_THROTTLE_RATES.get(self.scope)
        if not rate:
            return None
        period = parse_rate(rate)[1]
        return period - (time.time() % period)

    def key(self, request: HttpRequest) -> str | None:
        raise NotImplementedError


class AuthRateThrottle(RateLimit):
    """Per API token; per user for a browser session."""

    scope = "auth"

    def key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "api_token", None)
        if token is not None:
            return f"token:{token.pk}"
        user = getattr(request, "auth", None)
        return f"user:{user.pk}" if user is not None else None


class AnonRateThrottle(RateLimit):
    """Per client address, for requests without valid credentials (token guessing included)."""

    scope = "anon"

    def key(self, request: HttpRequest) -> str | None:
        if getattr(request, "auth", None) is not None:
            return None
        return f"addr:{self.get_ident(request)}"


def anonymous_gate(request: HttpRequest) -> None:
    """The last authentication callback: nobody signed in. Counts the attempt against the
    anonymous rate (429 once over it) and otherwise lets the request fail as 401."""
    throttle = AnonRateThrottle()
    if not throttle.allow_request(request):
        raise Throttled(wait=throttle.wait())  # type: ignore[arg-type]
    return None
