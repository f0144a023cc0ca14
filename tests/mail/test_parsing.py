"""The pure parts: parsing never crashes, headers and names come out readable and safe, and the
loop guard knows a machine from a person."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.mail.conftest import CORPUS, corpus
from tierdesk.mail import loopguard, parsing
from tierdesk.mail.quoting import strip_quoted


@given(st.binary(max_size=4000))
@settings(max_examples=300, deadline=None)
def test_any_bytes_parse_without_an_error(raw):
    mail = parsing.parse(raw)
    for text in [
        mail.subject,
        mail.text,
        mail.from_address,
        mail.message_id,
        *mail.headers.values(),
    ]:
        text.encode("utf-8")  # storable: no lone surrogates
        assert "\x00" not in text


HEADERISH = st.lists(
    st.tuples(
        st.sampled_from(["From", "To", "Subject", "Message-ID", "In-Reply-To", "References",
                         "Content-Type", "Content-Disposition", "Content-Transfer-Encoding"]),
        st.binary(max_size=80).filter(lambda b: b"\n" not in b and b"\r" not in b),
    ),
    max_size=8,
)  # fmt: skip


@given(HEADERISH, st.binary(max_size=500))
@settings(max_examples=300, deadline=None)
def test_broken_headers_and_mime_never_crash(headers, body):
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers)
    parsing.parse(raw + b"\r\n" + body)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("[TD-1042] Calls drop", [1042]), ("Re: [ td - 1042 ] x", [1042]), ("TD-1042 x", []),
     ("[TD-1042][TD-7]", [1042, 7]), ("[XX-1042]", [])],
)  # fmt: skip
def test_ticket_tags_are_read_from_the_subject(subject, expected):
    assert parsing.ticket_tags(subject, "TD") == expected


@pytest.mark.parametrize(
    "subject", ["[Emergency] down", "[EMERGENCY] down", "Re: [ emergency ] down", "x [eMeRgEnCy]"]
)
def test_emergency_is_recognised_in_any_case(subject):
    assert parsing.is_emergency_subject(subject)


def test_a_subject_merely_mentioning_an_emergency_is_not_one():
    assert not parsing.is_emergency_subject("Emergency contact numbers changed")


def test_thread_ids_put_the_direct_parent_first():
    mail = parsing.parse(
        b"In-Reply-To: <c@x>\r\nReferences: <a@x> <b@x> <c@x>\r\nSubject: s\r\n\r\nbody"
    )
    assert mail.thread_ids == ["c@x", "b@x", "a@x"]


def test_every_corpus_message_parses_with_its_sender_and_text():
    for path in sorted(CORPUS.glob("*.eml")):
        mail = parsing.parse(path.read_bytes())
        assert mail.text or mail.html or mail.delivery_status, path.name


def test_a_delivery_report_names_the_failed_recipient_and_the_bounced_message():
    mail = parsing.parse(
        corpus("postfix_dsn_hard.eml", recipient="gone@acme.test", bounced_id="td.1.x.sig@n.test")
    )
    assert mail.is_report
    [status] = mail.delivery_status
    assert (status.recipient, status.status, status.is_hard) == ("gone@acme.test", "5.1.1", True)
    assert mail.bounced_message_id == "td.1.x.sig@n.test"


def test_our_reply_marker_cuts_the_quoted_history():
    text = (
        "Works now, thanks!\n\nOn Mon, Support wrote:\n"
        "> ##- Please type your reply above this line -##\n> Hello"
    )
    assert strip_quoted(text) == ("Works now, thanks!", True)


def test_quotequail_cuts_a_gmail_style_quote_without_our_marker():
    text = "Short answer.\n\nOn Mon, Nov 30, 2026 at 11:00 AM Bob <b@x.test> wrote:\n> old\n> text"
    assert strip_quoted(text) == ("Short answer.", True)


def test_a_message_without_quotes_is_left_whole():
    assert strip_quoted("Line one\nLine two") == ("Line one\nLine two", False)


def test_html_becomes_readable_text():
    assert parsing.html_to_text("<p>Hi</p><script>x()</script><p>there &amp; you</p>") == (
        "Hi\n\nthere & you"
    )


# ---- the loop guard ---------------------------------------------------------------------------


def verdict(headers: dict[str, str], subject: str = "Help", sender: str = "a@acme.test"):
    return loopguard.classify(headers, subject=subject, sender=sender, own_loop_id="me")


@pytest.mark.parametrize(
    "headers",
    [{"auto-submitted": "auto-replied"}, {"x-autoreply": "yes"}, {"x-autorespond": "vacation"},
     {"precedence": "auto_reply"}, {"x-tierdesk-loop": "me"}, {"precedence": "bulk"},
     {"precedence": "junk"}, {"precedence": "list"}, {"x-auto-response-suppress": "All"},
     {"x-auto-response-suppress": "OOF, AutoReply"}],
)  # fmt: skip
def test_auto_replies_and_our_own_mail_are_noise(headers):
    assert verdict(headers).noise


@pytest.mark.parametrize(
    "subject", ["Out of Office: your request", "Automatic reply: TD-1", "Abwesenheitsnotiz",
                "Auto-Reply: x", "Vacation reply"],
)  # fmt: skip
def test_out_of_office_subjects_are_noise(subject):
    assert verdict({}, subject=subject).noise


@pytest.mark.parametrize(
    "headers",
    [{"auto-submitted": "auto-generated"}, {"list-id": "<x.lists.test>"},
     {"list-unsubscribe": "<mailto:x>"}, {"x-auto-response-suppress": "DR, RN"},
     {"return-path": "<>"}],
)  # fmt: skip
def test_machine_mail_is_never_answered_automatically_but_is_not_noise(headers):
    found = verdict(headers)
    assert found.automatic and not found.noise


def test_a_daemon_sender_is_automatic():
    assert verdict({}, sender="MAILER-DAEMON@mx.test").automatic


def test_another_installations_loop_header_is_not_ours():
    assert not verdict({"x-tierdesk-loop": "someone-else"}).noise


def test_a_person_writing_is_human():
    assert verdict({"auto-submitted": "no"}) == loopguard.HUMAN


# Pure modules of ours that parsing may use (file names made safe: ``core.text``), and the
# mail intake's own pure cores.
PURE_MAIL = ("parsing", "loopguard", "addresses", "reports", "text", "authentication")
PURE = ("tierdesk.core.text", *(f"tierdesk.mail.{name}" for name in PURE_MAIL))


def test_parsing_imports_nothing_from_django():
    import ast
    from pathlib import Path

    import tierdesk.core.text

    modules = [Path(parsing.__file__).parent / f"{m}.py" for m in PURE_MAIL]
    for module in [*modules, Path(tierdesk.core.text.__file__)]:
        tree = ast.parse(module.read_text())
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        ours = [n for n in names if n.startswith(("django", "tierdesk")) and n not in PURE]
        assert not ours, module


def test_encoded_words_are_decoded_and_an_encoded_comma_splits_no_address():
    raw = (
        b"From: =?utf-8?q?Doe=2C_J=C3=BCrgen?= <J@X.test>\r\n"
        b"To: =?utf-8?q?Support=2C_Desk?= <s@x.test>, b@x.test\r\n"
        b"Subject: Gr\xc3\xbc\xc3\x9fe =?iso-8859-1?q?Hall=F6?= und =?x-unknown?q?abc?=\r\n"
        b"\r\nhi\r\n"
    )

    mail = parsing.parse(raw)

    assert (mail.from_name, mail.from_address) == ("Doe, Jürgen", "j@x.test")
    assert mail.recipients == ["s@x.test", "b@x.test"]
    assert mail.subject == "Grüße Hallö und abc"
