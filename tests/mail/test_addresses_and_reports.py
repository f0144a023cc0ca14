"""The pure cores: who a mail says it is from, what a delivery report says, which mail is an
auto-reply, and how deep a MIME tree is read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.mail.conftest import CORPUS, corpus
from tierdesk.mail import loopguard, parsing, reports
from tierdesk.mail.addresses import read_address

RECIPIENT = "acme_contact@example.test"
BOUNCED = "td.1.abc.SIG@northwind.test"


def sender_of(from_header: str, extra: str = "") -> parsing.ParsedMail:
    head = f"From: {from_header}\r\n" if from_header is not None else ""
    raw = f"{head}{extra}To: support@northwind.test\r\nSubject: Hi\r\n\r\nHello\r\n".encode()
    return parsing.parse(raw)


# ---- addresses --------------------------------------------------------------------------------


def test_a_display_name_that_is_an_address_does_not_hide_the_sender():
    mail = sender_of("alice@example.com <bob@example.com>")

    assert mail.from_address == "bob@example.com"
    assert any("display name shows another address" in p for p in mail.sender_patterns)


def test_an_unquoted_comma_in_the_display_name_keeps_the_sender():
    mail = sender_of("Doe, John <john@acme.test>")

    assert (mail.from_address, mail.from_name) == ("john@acme.test", "Doe, John")
    assert any("unquoted comma" in p for p in mail.sender_patterns)


def test_an_encoded_display_name_showing_an_address_is_recorded_as_a_spoof():
    mail = sender_of("=?utf-8?q?ceo=40acme=2Etest?= <mallory@evil.test>")

    assert mail.from_address == "mallory@evil.test"
    assert any("ceo@acme.test" in p for p in mail.sender_patterns)


def test_an_address_hidden_in_encoded_words_is_found():
    mail = sender_of("=?utf-8?b?YXNoYUBhY21lLnRlc3Q=?=")  # asha@acme.test

    assert mail.from_address == "asha@acme.test"
    assert any("encoded words" in p for p in mail.sender_patterns)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Sender: list@acme.test\r\n", "list@acme.test"),
     ("Reply-To: Asha <asha@acme.test>\r\n", "asha@acme.test"),
     ("Return-Path: <bounce@acme.test>\r\n", "bounce@acme.test")],
)  # fmt: skip
def test_a_missing_from_is_taken_from_sender_reply_to_or_return_path(header, expected):
    mail = sender_of(None, header)  # type: ignore[arg-type]

    assert mail.from_address == expected
    assert any("no From" in p for p in mail.sender_patterns)


def test_a_plain_from_records_no_pattern():
    mail = sender_of('"Rao, Asha" <asha@acme.test>')

    assert mail.from_address == "asha@acme.test"
    assert mail.sender_patterns == []


@given(st.text(max_size=200))
def test_any_address_header_reads_without_an_error(value):
    found = read_address(value, parsing.decode_words)

    assert found.address == "" or "@" in found.address


# ---- delivery reports -------------------------------------------------------------------------

# Reports written by real servers (Debian 12's Postfix 3.7.11 and Exim 4.96 on this machine,
# mail on 127.0.0.1: an unknown local user, a route to a closed port; docs/mail.md, "Tests").
# The files are kept as the servers wrote them; ``report`` swaps in a test's recipient and id.
GENUINE = {
    # file: (server, action, status, the recipient it names, the Message-ID it returns)
    "bounces/postfix-hard.eml": ("rfc3464", "failed", "5.1.1", "nobody-such-user@localhost",
                                 "td.postfix-hard@tierdesk.test"),
    "bounces/postfix-delay.eml": ("rfc3464", "delayed", "4.4.1", "someone@closed.test",
                                  "td.postfix-delay@tierdesk.test"),
    "bounces/exim-hard.eml": ("rfc3464", "failed", "5.0.0", "nobody-such-user@localhost",
                              "td.exim-hard@tierdesk.test"),
    "bounces/exim-delay.eml": ("rfc3464", "delayed", "4.0.0", "someone@closed.test",
                               "td.exim-delay@tierdesk.test"),
}  # fmt: skip


def report(name: str, *, recipient: str, bounced_id: str) -> bytes:
    """A corpus report about ``recipient`` returning ``bounced_id``: placeholders filled in the
    written samples, the real recipient and Message-ID replaced in the genuine ones."""
    if name not in GENUINE:
        return corpus(name, recipient=recipient, bounced_id=bounced_id)
    *_, real_recipient, real_id = GENUINE[name]
    raw = corpus(name).replace(real_recipient.encode(), recipient.encode())
    return raw.replace(real_id.encode(), bounced_id.encode())


REPORTS = [
    # (file, server, action, status)
    *((name, server, action, status) for name, (server, action, status, *_) in GENUINE.items()),
    ("postfix_dsn_hard.eml", "rfc3464", "failed", "5.1.1"),
    ("exchange_dsn_soft.eml", "rfc3464", "failed", "4.2.2"),
    ("bounces/exim_failed.eml", "exim", "failed", "5.1.1"),
    ("bounces/exim_delayed.eml", "exim", "delayed", "4.3.0"),
    ("bounces/qmail_failed.eml", "qmail", "failed", "5.1.1"),
    ("bounces/yahoo_failed.eml", "yahoo", "failed", "5.0.0"),
    ("bounces/exchange_ndr_plain.eml", "exchange", "failed", "5.1.1"),
    ("bounces/gmail_failed.eml", "gmail", "failed", "5.1.1"),
    ("bounces/gmail_delayed.eml", "gmail", "delayed", "4.0.0"),
]


@pytest.mark.parametrize(("name", "server", "action", "status"), REPORTS)
def test_each_servers_report_names_the_recipient_the_status_and_the_returned_mail(
    name, server, action, status
):
    mail = parsing.parse(report(name, recipient=RECIPIENT, bounced_id=BOUNCED))

    assert mail.report_format == server
    assert [(s.recipient, s.action, s.status) for s in mail.delivery_status] == [
        (RECIPIENT, action, status)
    ]
    assert mail.bounced_message_id == BOUNCED


@pytest.mark.parametrize("name", sorted(GENUINE))
def test_a_genuine_report_is_read_as_its_server_wrote_it(name):
    server, action, status, recipient, message_id = GENUINE[name]

    mail = parsing.parse(corpus(name))

    assert mail.is_report and mail.report_format == server
    assert [(s.recipient, s.action, s.status) for s in mail.delivery_status] == [
        (recipient, action, status)
    ]
    found = mail.delivery_status[0]
    assert (found.is_hard, found.is_delay) == (action == "failed", action == "delayed")
    assert mail.bounced_message_id == message_id


@pytest.mark.parametrize(
    ("name", "server"),
    [("bounces/postfix-delay.eml", "postfix"), ("bounces/exim-delay.eml", "exim")],
)
def test_the_text_part_of_a_genuine_warning_is_read_by_the_plain_text_reader(name, server):
    # The servers' own sentences, as a reader of their plain-text-only reports would see them.
    # (The hard bounces name a user at the dotless "localhost", which it does not take.)
    mail = parsing.parse(corpus(name))

    found, statuses = reports.plain_report(mail.text, mail.subject)

    assert found == server
    assert [(s.recipient, s.action) for s in statuses] == [("someone@closed.test", "delayed")]


def test_a_person_writing_undeliverable_is_no_report():
    mail = sender_of(
        "Asha <asha@acme.test>", "Subject: Undeliverable: your invoice\r\n"
    )  # a person, not a daemon

    assert mail.report_format == ""


# ---- auto-replies -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "autoreplies").glob("*.eml")))
def test_every_kind_of_auto_reply_is_noise(name):
    mail = parsing.parse(corpus(f"autoreplies/{name}", in_reply_to=BOUNCED))

    found = loopguard.classify(mail.headers, subject=mail.subject, sender=mail.from_address,
                               own_loop_id="me")  # fmt: skip
    assert found.noise, name


@pytest.mark.parametrize(
    "subject",
    ["Out of Office: Calls drop", "Automatic reply: [TD-1001]", "Abwesenheitsnotiz: Anfrage",
     "Automatische Antwort: Ihre Anfrage", "Réponse automatique : demande",
     "Absent du bureau", "Respuesta automática: consulta", "Fuera de la oficina",
     "Automatyczna odpowiedź: zgłoszenie", "Poza biurem", "Automatisch antwoord: vraag",
     "Afwezig: vraag", "Resposta automática: pedido", "Fora do escritório", "Ausência"],
)  # fmt: skip
def test_out_of_office_subjects_in_seven_languages_are_noise(subject):
    assert loopguard.classify({}, subject=subject, sender="a@acme.test", own_loop_id="me").noise


def test_monitoring_mail_is_automatic_but_not_noise():
    found = loopguard.classify({"auto-submitted": "auto-generated"}, subject="Disk full",
                               sender="nagios@acme.test", own_loop_id="me")  # fmt: skip

    assert found.automatic and not found.noise


# ---- MIME depth -------------------------------------------------------------------------------


def nested(levels: int) -> bytes:
    head = b"From: Asha <asha@acme.test>\r\nSubject: deep\r\nMessage-ID: <deep@acme.test>\r\n"
    body = b"Content-Type: text/plain\r\n\r\nthe bottom\r\n"
    for level in range(levels):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
            + b"\r\n" + body + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    return head + b"MIME-Version: 1.0\r\n" + body


@pytest.mark.parametrize("levels", [parsing.MAX_MIME_DEPTH + 10, 1500])
def test_mime_nested_past_the_limit_is_cut_and_keeps_its_headers(levels):
    mail = parsing.parse(nested(levels))

    assert (mail.from_address, mail.subject, mail.message_id) == (
        "asha@acme.test", "deep", "deep@acme.test",
    )  # fmt: skip
    assert any("nested too deep" in defect for defect in mail.defects)
    assert "the bottom" not in mail.text


def test_mime_within_the_limit_is_read_to_the_bottom():
    mail = parsing.parse(nested(parsing.MAX_MIME_DEPTH - 1))

    assert "the bottom" in mail.text
    assert not any("nested too deep" in defect for defect in mail.defects)
