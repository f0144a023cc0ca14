"""The object-store path against a real S3 API server on 127.0.0.1: moto's server
(``moto[server]``, a test extra) in a process of its own. Files are uploaded through
django-storages; a download is a redirect to a short-lived presigned URL that the server
answers, ranges included."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.test import Client

from tests.downloads.conftest import sha256, subscribe
from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.crm.models import Product
from tierdesk.downloads.models import Download
from tierdesk.downloads.services import PublishRequest, releases_publish_files

KEYS = {"access_key": "test", "secret_key": "test"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server() -> Any:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def object_store(settings: Any, s3_server: str) -> Any:
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    bucket = f"downloads-{uuid.uuid4().hex[:12]}"  # a bucket of this test's own
    client.create_bucket(Bucket=bucket)
    client.bucket = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "downloads": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket, "endpoint_url": s3_server, "region_name": "us-east-1",
                "file_overwrite": False, "default_acl": None, **KEYS,
            },
        },
    }  # fmt: skip
    settings.TIERDESK_DOWNLOADS_PRESIGNED_SECONDS = 60
    return client


def test_a_published_file_lives_in_the_bucket_and_downloads_by_a_presigned_url(
    world, object_store, tmp_path: Path
):
    content = b"object-store build " * 50_000
    path = tmp_path / "ledger-5.0.zip"
    path.write_bytes(content)
    [line] = releases_publish_files(
        actor=SYSTEM, request=PublishRequest("ledger", "5.0", "full"), files=[(str(path), path)]
    )
    assert line.action == "published"
    stored = object_store.list_objects_v2(Bucket=object_store.bucket)["Contents"]
    assert [o["Size"] for o in stored] == [len(content)]
    subscribe(world.acme, Product.objects.get(slug="ledger"), starts_on=now().date())
    client = Client()
    client.force_login(world.acme_contact)
    response = client.get(line.url)
    assert response.status_code == 302
    presigned = response["Location"]
    assert presigned.startswith(object_store.meta.endpoint_url) and "Signature" in presigned
    with urllib.request.urlopen(presigned) as answer:
        assert "attachment" in answer.headers["Content-Disposition"]
        assert sha256(answer.read()) == line.sha256 == sha256(content)
    ranged = urllib.request.Request(presigned, headers={"Range": "bytes=19-37"})
    with urllib.request.urlopen(ranged) as answer:
        assert answer.status == 206 and answer.read() == content[19:38]
    row = Download.objects.get()
    assert (row.via, row.bytes_sent, row.organization_id) == ("web", len(content), world.acme.pk)
    # Nobody else is sent to the bucket.
    other = Client()
    other.force_login(world.globex_contact)
    assert other.get(line.url).status_code == 404
    assert Download.objects.count() == 1


def test_publishing_the_same_bytes_again_uploads_nothing(world, object_store, tmp_path: Path):
    path = tmp_path / "same.zip"
    path.write_bytes(b"same")
    request = PublishRequest("ledger", "5.1", "patch")
    first = releases_publish_files(actor=SYSTEM, request=request, files=[(str(path), path)])
    second = releases_publish_files(actor=SYSTEM, request=request, files=[(str(path), path)])
    assert [first[0].action, second[0].action] == ["published", "unchanged"]
    assert len(object_store.list_objects_v2(Bucket=object_store.bucket)["Contents"]) == 1
