"""Publishing: ``tierdesk releases publish`` (JSON lines, idempotent by SHA-256, drafts,
signatures), the API a build pipeline calls with a release manager's token, the "latest"
pointer, version order, and the ``downloads.release_published`` hook on commit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import ApiClient
from tests.downloads.conftest import grant_release_manager, sha256
from tierdesk.cli import main
from tierdesk.core.errors import Conflict, Forbidden
from tierdesk.downloads.hooks import release_published
from tierdesk.downloads.models import LatestRelease, Release, ReleaseFile, State, Version
from tierdesk.downloads.paths import file_url
from tierdesk.downloads.services import PublishRequest, release_publish, releases_publish_files


def _lines(capsys: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _build(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _publish(*args: str) -> int:
    return main(["releases", "publish", "--product", "ledger", "--version", "2.5", *args])


@pytest.fixture
def heard() -> Any:
    payloads: list[dict[str, Any]] = []

    def listener(**payload: Any) -> None:
        payloads.append(payload)

    release_published.subscribe(listener)
    yield payloads
    release_published.unsubscribe(listener)


def test_publish_prints_a_line_per_file_and_is_idempotent(
    db, downloads_dir, tmp_path, capsys, heard, django_capture_on_commit_callbacks
):
    build = _build(tmp_path, "ledger-2.5.zip", b"build 2.5")
    notes = tmp_path / "NOTES.md"
    notes.write_text("# Ledger 2.5\n\n<script>x</script> *Faster* totals.\n")
    with django_capture_on_commit_callbacks(execute=True):
        code = _publish("--kind", "full", "--notes", str(notes), str(build))
    assert code == 0
    [line] = _lines(capsys)
    release = Release.objects.get(pk=line["release"])
    file = release.files.get()
    assert line == {
        "source": str(build), "action": "published", "release": release.pk,
        "sha256": sha256(b"build 2.5"), "url": file_url(file), "reason": None,
    }  # fmt: skip
    assert line["url"] == f"/downloads/files/{file.pk}/ledger-2.5.zip"
    assert release.state == State.PUBLISHED and release.kind == "full"
    assert "<script>" not in release.notes_html and "<em>Faster</em>" in release.notes_html
    assert release.version.product.slug == "ledger"
    assert [h["release_id"] for h in heard] == [release.pk]
    # Again: nothing new, the same release.
    assert _publish("--kind", "full", str(build)) == 0
    [again] = _lines(capsys)
    assert (again["action"], again["release"], again["url"]) == (
        "unchanged",
        release.pk,
        line["url"],
    )
    assert ReleaseFile.objects.count() == 1 and len(heard) == 1


def test_a_draft_waits_and_later_files_join_it(db, downloads_dir, tmp_path, capsys):
    first = _build(tmp_path, "a.zip", b"a")
    second = _build(tmp_path, "b.zip", b"b")
    assert _publish("--kind", "patch", "--draft", str(first)) == 0
    assert _publish("--kind", "patch", "--draft", str(second)) == 0
    lines = _lines(capsys)
    assert [line["action"] for line in lines] == ["draft", "draft"]
    assert lines[0]["release"] == lines[1]["release"]
    assert Release.objects.get().state == State.DRAFT
    assert _publish("--kind", "patch", str(_build(tmp_path, "c.zip", b"c"))) == 0
    assert _lines(capsys)[0]["action"] == "published"
    assert Release.objects.get().files.count() == 3


def test_a_signature_attaches_to_its_file_and_failures_are_reported(
    db, downloads_dir, tmp_path, capsys
):
    build = _build(tmp_path, "ledger.zip", b"zip")
    signature = _build(tmp_path, "ledger.zip.asc", b"-----BEGIN PGP SIGNATURE-----")
    stray = _build(tmp_path, "other.zip.sig", b"sig")
    code = _publish(
        "--kind", "hotfix", str(build), str(signature), str(stray), str(tmp_path / "missing.zip")
    )
    assert code == 1
    lines = {Path(line["source"]).name: line for line in _lines(capsys)}
    assert lines["ledger.zip"]["action"] == "published"
    assert lines["ledger.zip.asc"]["action"] == "published"
    assert lines["ledger.zip.asc"]["url"].endswith("/signature/ledger.zip.asc")
    assert lines["other.zip.sig"]["action"] == "failed"
    assert lines["missing.zip"]["action"] == "failed" and lines["missing.zip"]["reason"]
    assert ReleaseFile.objects.get(name="ledger.zip").signature_name == "ledger.zip.asc"


def test_bad_arguments_fail_every_file(db, downloads_dir, tmp_path, capsys):
    build = _build(tmp_path, "x.zip", b"x")
    code = main(
        [
            "releases",
            "publish",
            "--product",
            "Bad Slug",
            "--version",
            "1",
            "--kind",
            "full",
            str(build),
        ]
    )
    assert code == 1
    [line] = _lines(capsys)
    assert line["action"] == "failed" and "product" in line["reason"]
    assert main(["releases", "publish", "--product", "ok", "--version", "1", "--kind", "full",
                 "--as", "nobody", str(build)]) == 2  # fmt: skip


def test_a_published_release_is_published_once(world, catalogue):
    with pytest.raises(Conflict):
        release_publish(actor=catalogue.manager, release=catalogue.old)
    with pytest.raises(Forbidden):
        release_publish(actor=world.l1, release=catalogue.draft)


def test_versions_are_ordered_by_meaning_and_latest_follows(world, catalogue, tmp_path):
    numbers = list(
        Version.objects.filter(product=catalogue.ledger)
        .order_by("-sort_key")
        .values_list("number", flat=True)
    )
    assert numbers == ["3.1", "3.0", "2.4"]
    latest = LatestRelease.objects.get(product=catalogue.ledger, channel="stable")
    assert latest.release == catalogue.v3
    # A later patch of an older line is not the latest of the product.
    path = _build(tmp_path, "fix.zip", b"fix")
    releases_publish_files(
        actor=catalogue.manager, request=PublishRequest("ledger", "2.10", "patch"),
        files=[(str(path), path)],
    )  # fmt: skip
    latest.refresh_from_db()
    assert latest.release == catalogue.v3
    assert list(
        Version.objects.filter(product=catalogue.ledger)
        .order_by("sort_key")
        .values_list("number", flat=True)
    ) == ["2.4", "2.10", "3.0", "3.1"]


def test_a_build_pipeline_publishes_with_a_release_managers_token(world, downloads_dir):
    manager = grant_release_manager(world.l2)
    api = ApiClient(manager)
    upload = SimpleUploadedFile("ledger-4.0.zip", b"four", content_type="application/zip")
    response = api.upload(
        "/api/v1/downloads/releases", {"files": upload},
        {"product": "ledger", "version": "4.0", "kind": "full", "notes": "New."},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    [line] = response.json()["items"]
    assert line["action"] == "published" and line["sha256"] == sha256(b"four")
    again = api.upload(
        "/api/v1/downloads/releases",
        {"files": SimpleUploadedFile("ledger-4.0.zip", b"four")},
        {"product": "ledger", "version": "4.0", "kind": "full"},
    )  # fmt: skip
    assert again.json()["items"][0]["action"] == "unchanged"
    refused = ApiClient(world.l1).upload(
        "/api/v1/downloads/releases", {"files": SimpleUploadedFile("x.zip", b"x")},
        {"product": "ledger", "version": "4.1", "kind": "full"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["error"]["code"]
    bad = api.upload(
        "/api/v1/downloads/releases", {"files": SimpleUploadedFile("x.zip", b"x")},
        {"product": "ledger", "version": "4.1", "kind": "nightly"},
    )  # fmt: skip
    assert bad.status_code in {400, 422}
    assert not Release.objects.filter(version__number="4.1").exists()
