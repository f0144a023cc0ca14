"""Demo data: an invented vendor, its partners and customers, and about 200 tickets.

``load`` builds it in one transaction (all or nothing) and writes the generated passwords to
``$TIERDESK_DATA_DIR/demo-credentials.txt`` (mode 0600); ``tierdesk up`` prints the featured
sign-ins from there at every start.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from tierdesk.accounts.models import User
from tierdesk.crm.models import Organization, OrganizationKind
from tierdesk.demo import catalogue
from tierdesk.demo.cast import Cast, SignIn, build_cast, demo_usernames
from tierdesk.demo.stories import create_tickets


class DemoError(Exception):
    """The demo cannot be loaded into this database; the message says why."""


def is_loaded() -> bool:
    return Organization.objects.filter(name=catalogue.VENDOR, kind=OrganizationKind.VENDOR).exists()


def database_is_empty() -> bool:
    """A fresh installation: nobody has created an organization or a user yet."""
    return not Organization.objects.exists() and not User.objects.exists()


def load(
    *, tickets: int = 200, seed: int | None = None, report: Callable[[str], None] = print
) -> Cast:
    """Create the demo; refuses (``DemoError``) when it is loaded or its usernames are taken."""
    with transaction.atomic():
        if is_loaded():
            raise DemoError("The demo data is already loaded.")
        taken = sorted(
            User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True)
        )
        if taken:
            raise DemoError(f"Usernames the demo needs are taken: {', '.join(taken)}.")
        report("demo: creating organizations, teams, agents and contacts")
        cast = build_cast()
        report(f"demo: creating {tickets} tickets through the ticket services")
        seed = random.SystemRandom().randrange(2**32) if seed is None else seed
        create_tickets(cast, count=tickets, seed=seed, report=report)
    write_credentials(cast.sign_ins)
    report(f"demo: done; sign-ins are in {credentials_path()}")
    return cast


def credentials_path() -> Path:
    return Path(settings.DATA_DIR) / "demo-credentials.txt"


def write_credentials(sign_ins: list[SignIn]) -> None:
    width = max(len(sign_in.user.username) for sign_in in sign_ins) + 2
    lines = [f"{s.user.username:<{width}}{s.password:<20}{s.role}" for s in sign_ins]
    lines += ["", "Other demo people have no password; an administrator can set one at /admin/."]
    path = credentials_path()
    # Created private from the first byte: the file holds working passwords.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def credentials_text() -> str:
    """The sign-ins to show, or "" when there is no demo (or the file belongs to an old one)."""
    path = credentials_path()
    if not path.exists() or not is_loaded():
        return ""
    return path.read_text()


__all__ = [
    "Cast",
    "DemoError",
    "credentials_path",
    "credentials_text",
    "database_is_empty",
    "is_loaded",
    "load",
]
