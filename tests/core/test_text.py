"""File names a sender chose are made safe by one rule (``core.text.safe_filename``), whichever
channel brought the file: an upload, or an attachment of a mail."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import given
from hypothesis import strategies as st

from tierdesk.core import attachments, text
from tierdesk.mail import parsing


@given(st.text(max_size=300))
def test_a_safe_name_never_leaves_its_directory_and_is_never_hidden(name):
    safe = text.safe_filename(name)
    assert safe and "/" not in safe and "\\" not in safe
    assert safe not in {".", ".."} and not safe.startswith(".")
    assert PurePosixPath(safe).name == safe
    assert text.safe_filename(safe) == safe


def test_uploads_and_mail_attachments_use_the_one_rule():
    assert parsing.safe_filename is text.safe_filename
    assert attachments.safe_filename is text.safe_filename


def test_a_mail_attachments_path_is_cut_to_its_name():
    raw = (
        b"From: a@example.test\r\nTo: b@example.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n'
        b"\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="..\\\\..\\\\evil.exe"\r\n\r\nMZ\r\n--b--\r\n'
    )
    [attached] = parsing.parse(raw).attachments
    assert attached.filename == "evil.exe"
