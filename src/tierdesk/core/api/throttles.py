"""Rate limits from ``settings.NINJA_DEFAULT_THROTTLE_RATES``: per token (or user), and per
client address for requests that carry no valid credentials.

Why not ninja's ``AnonRateThrottle``/``AuthRateThrottle`` as they are:
- they keep the request's key and history on the throttle object, which every request thread
  shares (gunicorn gthread): two requests at once can count against each other's key;
- ``AuthRateThrottle`` keys on ``str(request.auth)``, a user's display name, which is not unique;
- they read the rates once at import, so a settings override (or a test) cannot change them;
- they trust ``X-Forwarded-For`` from anybody, so a client picks its own address;
- they store a list of timestamps per key, read and rewritten on every request.

These count in fixed windows in Django's default cache, which every web process shares (the
database cache embedded, Redis with ``REDIS_URL``). A process adds its requests to the shared
count in steps of ``rate / 100`` (one by one for small rates such as the anonymous one), and
between steps adds its own uncounted requests to the shared count it last saw: a rate of
6,000/min costs one cache write per 60 requests instead of two per request, and N processes
together may pass the limit by at most N steps. (Redis counts atomically; on the database
cache two processes adding at the same instant may lose a step.) The client address comes from
``X-Forwarded-For`` only through ``TIERDESK_TRUSTED_PROXIES`` proxies (``client_address``).
"""

from __future__ import annotations

import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle

# This process's requests per key and window, and the shared count it last saw.
_LOCAL = LocMemCache("tierdesk-api-rate-limits", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
STEPS_PER_RATE = 100
# Part of every key; ``clear`` moves to a new one (tests start each case with a clean slate).
_SLATE = {"number": 0}


def rate_cache() -> BaseCache:
    return caches["default"]


def forget_local() -> None:
    """Forget what this process counted and saw, as a newly started process would."""
    _LOCAL.clear()


def clear() -> None:
    """Start every count afresh, in this process and (by a new key) in the shared cache."""
    _LOCAL.clear()
    _SLATE["number"] += 1


@lru_cache(maxsize=32)
def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` -> (60, 60); ``"5/10s"`` -> (5, 10)."""
    count, _, period = rate.partition("/")
    digits = "".join(ch for ch in period if ch.isascii() and ch.isdigit())
    unit = period[len(digits) :].strip() or "s"
    return int(count), int(digits or 1) * _PERIODS[unit]


def client_address(request: HttpRequest) -> str:
    """The address that connected to the last trusted proxy (``TIERDESK_TRUSTED_PROXIES``),
    or the connecting address when no proxy is trusted. Each proxy appends the address it saw
    to ``X-Forwarded-For``, so only the last ``n`` entries are facts; the rest are whatever
    the client sent."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.TIERDESK_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    return hops[-trusted] if len(hops) >= trusted else (hops[0] if hops else remote)


def _incr(cache: BaseCache, key: str, by: int, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key, by))
    except ValueError:  # expired between add and incr: this is the window's first step
        cache.set(key, by, timeout=timeout)
        return by


def counted(scope: str, key: str, rate: str) -> bool:
    """Count one request of ``key`` in ``scope``; whether it is within ``rate``."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    shared_key = f"tdk-rate:{_SLATE['number']}:{scope}:{key}:{window}"
    step = max(1, limit // STEPS_PER_RATE)
    mine = _incr(_LOCAL, shared_key, 1, period + 1)
    if mine % step == 0:
        total = _incr(rate_cache(), shared_key, step, period + 1)
        _LOCAL.set(f"{shared_key}:others", total - mine, timeout=period + 1)
    others = _LOCAL.get(f"{shared_key}:others", 0)
    return others + mine <= limit


class RateLimit(BaseThrottle):
    """Allow ``scope``'s rate per key; ``key`` says whose requests count together."""

    scope = ""

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.key(request)
        rate = settings.NINJA_DEFAULT_THROTTLE_RATES.get(self.scope)
        if key is None or not rate:
            return True
        return counted(self.scope, key, rate)

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
        return f"addr:{client_address(request)}"


def anonymous_gate(request: HttpRequest) -> None:
    """The last authentication callback: nobody signed in. Counts the attempt against the
    anonymous rate (429 once over it) and otherwise lets the request fail as 401."""
    throttle = AnonRateThrottle()
    if not throttle.allow_request(request):
        raise Throttled(wait=throttle.wait())  # type: ignore[arg-type]
    return None
