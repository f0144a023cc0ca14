"""Download-centre fixtures: a release manager among the personas, a catalogue with files on
disk (a temporary downloads directory), and subscriptions in every state.

Subscriptions (product ``ledger``), relative to today:
- Acme: active, maintenance until 30 days ago: entitled to what was published before then.
- Globex: expired yesterday.
- Cobalt (Bluebird's customer): active, version line 2 only, no maintenance limit.
- Umbrella (Redline's customer): starts in ten days.

Releases: ``old`` (ledger 2.4 full, 100 days ago), ``late`` (ledger 2.4 patch, 10 days ago:
after Acme's maintenance end), ``v3`` (ledger 3.0 full, 5 days ago), ``public`` (ledger-client
1.0, public), ``draft`` (ledger 3.1 patch, a draft).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.mail.conftest import mailbox, smtp_sink  # noqa: F401 - the real SMTP server
from tierdesk.accounts.models import User
from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.crm.models import Product, Subscription
from tierdesk.downloads.models import Release, ReleaseFile
from tierdesk.downloads.services import PublishRequest, releases_publish_files
from tierdesk.sla.models import Plan

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def grant_release_manager(user: User) -> User:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="downloads", codename="manage_release")
    )
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions or principal


@pytest.fixture
def downloads_dir(settings: Any, tmp_path: Path) -> Path:
    """Release files in a directory of this test's own."""
    directory = tmp_path / "downloads"
    settings.STORAGES = {
        **settings.STORAGES,
        "downloads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(directory)},
        },
    }
    return directory


@dataclass
class Catalogue:
    ledger: Product
    client_product: Product
    old: Release
    late: Release
    v3: Release
    public: Release
    draft: Release
    manager: User
    payload: bytes  # the bytes of old's file

    def file(self, release: Release) -> ReleaseFile:
        return release.files.order_by("id").first()  # type: ignore[return-value]

    def releases(self) -> dict[str, Release]:
        return {
            "old": self.old, "late": self.late, "v3": self.v3, "public": self.public,
            "draft": self.draft,
        }  # fmt: skip


def publish(
    source_dir: Path, product: str, version: str, kind: str, name: str, content: bytes, *,
    days_ago: int | None, public: bool = False,
) -> Release:  # fmt: skip
    path = source_dir / name
    path.write_bytes(content)
    request = PublishRequest(
        product=product, version=version, kind=kind, notes=f"Notes of {name}.",
        draft=days_ago is None, public=public,
    )  # fmt: skip
    [line] = releases_publish_files(actor=SYSTEM, request=request, files=[(str(path), path)])
    release = Release.objects.select_related("version__product").get(pk=line.release)
    if days_ago is not None:
        release.published_at = now() - timedelta(days=days_ago)
        Release.objects.filter(pk=release.pk).update(published_at=release.published_at)
    return release


def subscribe(organization: Any, product: Product, **dates: Any) -> Subscription:
    plan = Plan.objects.order_by("id").first()
    return Subscription.objects.create(
        organization=organization, plan=plan, product=product, **dates
    )


@pytest.fixture
def catalogue(world: Any, downloads_dir: Path, tmp_path: Path) -> Catalogue:
    sources = tmp_path / "sources"
    sources.mkdir()
    payload = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and a bit: more than one block
    old = publish(sources, "ledger", "2.4", "full", "ledger-2.4.zip", payload, days_ago=100)
    late = publish(sources, "ledger", "2.4", "patch", "ledger-2.4-p1.zip", b"p1", days_ago=10)
    v3 = publish(sources, "ledger", "3.0", "full", "ledger-3.0.zip", b"three", days_ago=5)
    public = publish(
        sources, "ledger-client", "1.0", "full", "client-1.0.msi", b"client", days_ago=3,
        public=True,
    )  # fmt: skip
    draft = publish(sources, "ledger", "3.1", "patch", "ledger-3.1-p1.zip", b"p31", days_ago=None)
    ledger = old.version.product
    today = now().date()
    subscribe(
        world.acme, ledger, starts_on=today - timedelta(days=365),
        ends_on=today + timedelta(days=365), maintenance_ends_on=today - timedelta(days=30),
    )  # fmt: skip
    subscribe(
        world.globex, ledger, starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=1),
    )  # fmt: skip
    subscribe(world.cobalt, ledger, starts_on=today - timedelta(days=30), versions_covered="2")
    subscribe(world.umbrella, ledger, starts_on=today + timedelta(days=10))
    manager = grant_release_manager(world.l3)
    return Catalogue(
        ledger=ledger, client_product=public.version.product, old=old, late=late, v3=v3,
        public=public, draft=draft, manager=manager, payload=payload,
    )  # fmt: skip


def drain(response: Any) -> bytes:
    """Read a response to its end: a streamed one then closes itself as a server's would (the
    test client's wrapper; an explicit close() would end the test's database connection)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Who may download which release (True) in the catalogue above; everything else is a 404.
EXPECTED_DOWNLOADS: dict[str | None, set[str]] = {
    None: {"public"},
    "acme_contact": {"old", "public"},
    "acme_colleague": {"old", "public"},
    "globex_contact": {"public"},
    "cobalt_contact": {"old", "late", "public"},
    "umbrella_contact": {"public"},
    "partner_agent": {"old", "late", "public"},  # through its customer Cobalt
    "other_partner_agent": {"public"},  # its customer Umbrella's term has not begun
    "l1": {"old", "late", "v3", "public"},
    "l1_other": {"old", "late", "v3", "public"},
    "l2": {"old", "late", "v3", "public"},
    "l3": {"old", "late", "v3", "public", "draft"},  # the release manager
    "manager": {"old", "late", "v3", "public"},
    "admin": {"old", "late", "v3", "public", "draft"},
}
