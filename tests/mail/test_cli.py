"""``tierdesk ingest-email``: one JSON line per message, for MTA pipes and bulk imports."""

from __future__ import annotations

import io
import json
import mailbox as mbox_format
import sys

import pytest

from tests.mail.conftest import CORPUS, corpus
from tierdesk.cli import build_parser, main

pytestmark = pytest.mark.usefixtures("mailbox")


def run(*argv: str) -> int:
    return main(list(argv))


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_each_file_gets_one_json_line_with_its_action_and_ticket(
    world, smtp_sink, capsys, django_capture_on_commit_callbacks
):
    first = str(CORPUS / "thunderbird_plain.eml")
    auto = str(CORPUS / "vacation_autoreply.eml")

    with django_capture_on_commit_callbacks(execute=True):
        code = run("ingest-email", first, auto, first)

    assert code == 0
    out = lines(capsys)
    assert [(o["source"], o["action"]) for o in out] == [
        (first, "created"),
        (auto, "unmatched"),
        (first, "duplicate"),
    ]
    assert out[0]["ticket"].startswith("TD-") and out[1]["ticket"] is None
    assert out[2]["ticket"] == out[0]["ticket"]
    assert all(set(o) == {"source", "action", "ticket", "reason"} for o in out)


def test_standard_input_is_read_with_a_dash(world, smtp_sink, capsys, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(corpus("emergency_subject.eml")))
    monkeypatch.setattr(sys, "stdin", stdin)

    assert run("ingest-email", "-") == 0
    [out] = lines(capsys)
    assert (out["source"], out["action"]) == ("-", "created")
    assert out["reason"].startswith("emergency")


def test_an_mbox_is_taken_message_by_message(world, smtp_sink, capsys, tmp_path):
    path = tmp_path / "import.mbox"
    box = mbox_format.mbox(path)
    box.add(corpus("thunderbird_plain.eml"))
    box.add(corpus("gmail_attachment_rfc2231.eml"))
    box.close()

    assert run("ingest-email", str(path)) == 0
    out = lines(capsys)
    assert [o["source"] for o in out] == [f"{path}#1", f"{path}#2"]
    assert [o["action"] for o in out] == ["created", "created"]


def test_an_unreadable_file_fails_the_command_but_not_the_others(world, smtp_sink, capsys):
    code = run("ingest-email", "/nonexistent/mail.eml", str(CORPUS / "thunderbird_plain.eml"))

    captured = capsys.readouterr()
    assert code == 1
    assert "cannot read /nonexistent/mail.eml" in captured.err
    assert json.loads(captured.out)["action"] == "created"


def test_the_tierdesk_command_offers_the_mail_commands():
    help_text = build_parser().format_help()
    assert "ingest-email" in help_text and "mail-poll" in help_text and "mail-lmtp" in help_text
