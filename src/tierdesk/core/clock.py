"""The one place that reads the current time, so tests can move it (time-machine)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
