"""The download centre's addresses: the one place that names them for every face and mail."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tierdesk.downloads.models import Release, ReleaseFile


def file_url(file: ReleaseFile) -> str:
    """The absolute path of the file's download."""
    return reverse("downloads:file", kwargs={"pk": file.pk, "name": file.name})


def signature_url(file: ReleaseFile) -> str:
    return reverse("downloads:signature", kwargs={"pk": file.pk, "name": file.signature_name})


def release_url(release: Release) -> str:
    version = release.version
    return (
        reverse(
            "downloads:version",
            kwargs={"product": version.product.slug, "version": version.number},
        )
        + f"#release-{release.pk}"
    )


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
