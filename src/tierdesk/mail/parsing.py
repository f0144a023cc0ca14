"""Turning raw RFC 5322 bytes into plain data: headers, bodies, attachments, threading ids.

Pure Python (stdlib only, no Django): fast, and property-tested with hypothesis. The one rule is
that no input crashes it. Mail arrives with missing or broken headers, raw 8-bit bytes where
ASCII belongs, unknown charsets, broken MIME trees and megabyte-long lines; every one of those
still yields a ``ParsedMail`` (with what could be read and a list of ``defects``), because the
intake must never lose a message to a parser error.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import tierdesk.mail.reports as reports
from tierdesk.core.text import safe_filename
from tierdesk.mail.addresses import ADDRESS_HEADERS, address_list, read_address, read_sender
from tierdesk.mail.reports import DeliveryStatus
from tierdesk.mail.text import (
    CONTROL_CHARACTERS,
    REPLY_MARKER,
    WROTE_LINE,
    clean_text,
    decode_words,
    header_block,
    html_to_text,
    is_emergency_subject,
    message_ids,
    normalize_subject,
    one_line,
    sha256,
    ticket_tags,
)

# The helpers other modules reach through ``parsing`` (one import for the intake's vocabulary).
__all__ = [
    "REPLY_MARKER", "WROTE_LINE", "DeliveryStatus", "ParsedAttachment", "ParsedMail",
    "clean_text", "decode_words", "header_block", "html_to_text", "is_emergency_subject",
    "message_ids", "normalize_subject", "one_line", "parse", "safe_filename", "sha256",
    "ticket_tags",
]  # fmt: skip

# MIME trees are read to this depth; deeper parts are cut (a defect says so) and the headers kept.
MAX_MIME_DEPTH = 50
# Leaf parts read at most (a message of thousands of parts is a bomb, not a support request).
MAX_PARTS = 500
NESTING = re.compile(rb"(?im)^content-type:\s*(multipart/|message/rfc822)")


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    recipients: list[str] = field(default_factory=list)
    date: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    delivery_status: list[DeliveryStatus] = field(default_factory=list)
    bounced_message_id: str = ""
    is_report: bool = False
    # The server whose report this is: "rfc3464" for a standard one, else "exim", "qmail"...
    report_format: str = ""
    # The addresses on To and Cc (who else the thread reached).
    to_cc: list[str] = field(default_factory=list)
    # How the sender's address was read when it was not a plain ``Name <address>``.
    sender_patterns: list[str] = field(default_factory=list)
    # What the intake's authentication check found (``authentication.Verdict``), set before
    # the processing transaction; ``None``: not checked.
    authentication: Any = None
    defects: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the most direct first."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(mid, None)
        return list(seen)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


# ---- the parse ---------------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMail:
    """Everything the intake needs from one raw message; never raises on bad input.

    The tree is parsed with ``compat32``: ``policy.default`` builds a structured header object
    on every header access (``get_content_type()`` and ``get_filename()`` included), which was
    most of a parse's time. The few headers the intake reads are decoded here instead: raw
    8-bit bytes as UTF-8 (else Windows-1252), RFC 2047 encoded words, RFC 2231 parameters (by
    ``compat32`` itself).
    """
    mail = ParsedMail()
    message = _message(raw, mail)
    if message is None:
        mail.text = CONTROL_CHARACTERS.sub("", raw.decode("utf-8", "replace"))
        return mail
    _read_headers(message, mail)
    _read_parts(message, mail)
    _read_report(mail)
    mail.defects.extend(type(defect).__name__ for defect in message.defects)
    return mail


def _message(raw: bytes, mail: ParsedMail) -> Message | None:
    """The parsed tree. The standard parser recurses once per level of nesting, so a bomb of a
    thousand nested parts raised ``RecursionError`` and the mail lost even its headers: such a
    message is cut before its ``MAX_MIME_DEPTH``-th nested part and parsed again."""
    try:
        return email.message_from_bytes(raw, policy=email.policy.compat32)
    except RecursionError:
        nested = list(NESTING.finditer(raw))
        cut = raw[: nested[MAX_MIME_DEPTH].start()] if len(nested) > MAX_MIME_DEPTH else b""
        mail.defects.append(f"MIME nested too deep: cut at {MAX_MIME_DEPTH} levels")
    except Exception as exc:  # the parser is lenient; this guards against its own bugs
        mail.defects.append(f"unparseable: {exc!r}")
        return None
    try:
        return email.message_from_bytes(cut or header_block(raw), policy=email.policy.compat32)
    except Exception as exc:
        mail.defects.append(f"unparseable: {exc!r}")
        return None


def _raw_text(value: object) -> str:
    """A raw header value as text: surrogate-escaped 8-bit bytes read as the sender meant,
    controls dropped, folding kept (``one_line`` unfolds)."""
    return clean_text(str(value))


def _header(message: Message, name: str) -> str:
    """One header as decoded text (the first of that name), or ``""``."""
    wanted = name.lower()
    for raw_name, raw_value in message.raw_items():
        if raw_name.lower() == wanted:
            return one_line(decode_words(_raw_text(raw_value)))
    return ""


def _read_headers(message: Message, mail: ParsedMail) -> None:
    seen: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for raw_name, raw_value in message.raw_items():
        name = raw_name.lower()
        if name in seen:
            continue
        text = _raw_text(raw_value)
        if name in ADDRESS_HEADERS:
            addresses[name] = one_line(text)
        seen[name] = one_line(decode_words(text))
    mail.headers.update(seen)
    mail.message_id = next(iter(message_ids(mail.header("message-id"))), "")
    if not mail.message_id and mail.header("message-id").strip():
        mail.message_id = one_line(mail.header("message-id"), 250).strip("<>")
    mail.in_reply_to = message_ids(mail.header("in-reply-to"))
    mail.references = message_ids(mail.header("references"))
    mail.subject = one_line(mail.header("subject"), 255)
    mail.date = mail.header("date")
    sender = read_sender(addresses, _decoded_name)
    mail.from_name, mail.from_address = sender.name, sender.address
    mail.sender_patterns = list(sender.patterns)
    mail.reply_to = read_address(addresses.get("reply-to", ""), _decoded_name).address
    mail.to_cc = address_list([addresses[name] for name in ("to", "cc") if addresses.get(name)])
    envelope = ("delivered-to", "x-original-to", "envelope-to")
    mail.recipients = address_list([addresses[name] for name in envelope if addresses.get(name)])
    mail.recipients += [address for address in mail.to_cc if address not in mail.recipients]


def _decoded_name(value: str) -> str:
    return one_line(decode_words(value), 400)


def _read_parts(message: Message, mail: ParsedMail) -> None:
    if message.get_content_type() == "multipart/report":
        mail.is_report = True
    texts: list[str] = []
    htmls: list[str] = []
    for part in _walk(message, mail):
        try:
            _read_part(part, mail, texts, htmls)
        except Exception as exc:
            mail.defects.append(f"part {part.get_content_type()}: {exc!r}")
    mail.text = "\n\n".join(t for t in texts if t.strip())
    mail.html = "\n".join(htmls)


def _walk(message: Message, mail: ParsedMail) -> list[Message]:
    """Leaf parts in order, not descending into attached messages (they are attachments), nor
    deeper than ``MAX_MIME_DEPTH`` (what lies below is dropped, and a defect says so)."""
    leaves: list[Message] = []
    stack = [(message, 0)]
    while stack and len(leaves) < MAX_PARTS:
        part, depth = stack.pop()
        if part.get_content_maintype() == "multipart":
            children = _subparts(part)
            if children and depth >= MAX_MIME_DEPTH:
                mail.defects.append(f"MIME nested too deep: cut at {MAX_MIME_DEPTH} levels")
                continue
            if children:
                stack.extend((child, depth + 1) for child in reversed(children))
                continue
        leaves.append(part)
    return leaves


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _read_part(part: Message, mail: ParsedMail, texts: list[str], htmls: list[str]) -> None:
    content_type = part.get_content_type()
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part)
    if content_type == "message/delivery-status":
        mail.delivery_status.extend(reports.dsn_fields(_dsn_text(part)))
        return
    if mail.is_report and content_type in {"message/rfc822", "text/rfc822-headers"}:
        mail.bounced_message_id = _bounced_message_id(part) or mail.bounced_message_id
    if disposition != "attachment" and not filename and content_type == "text/plain":
        texts.append(_text_of(part))
        return
    if disposition != "attachment" and not filename and content_type == "text/html":
        htmls.append(_text_of(part))
        return
    if part.get_content_maintype() == "multipart":  # an empty multipart: nothing to keep
        return
    _add_attachment(part, mail, content_type, filename, disposition)


def _add_attachment(
    part: Message, mail: ParsedMail, content_type: str, filename: str, disposition: str
) -> None:
    content_id = one_line(part.get("content-id", "") or "", 250).strip("<> ")
    data = _bytes_of(part)
    if not filename:
        extension = {"message/rfc822": ".eml", "text/calendar": ".ics"}.get(content_type, "")
        stem = content_id.split("@")[0] if content_id else "attachment"
        filename = safe_filename(stem) + extension
    mail.attachments.append(
        ParsedAttachment(
            filename=filename,
            content_type=content_type,
            data=data,
            content_id=content_id,
            inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
        )
    )


def _filename(part: Message) -> str:
    """The part's file name, RFC 2231 and RFC 2047 forms decoded, made safe for any disk."""
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return ""
    if isinstance(name, tuple):  # compat: (charset, language, value)
        name = name[2]
    return safe_filename(decode_words(_raw_text(name)))


def _bytes_of(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    if part.get_content_type() == "message/rfc822" and _subparts(part):
        return _as_bytes(_subparts(part)[0])
    payload = part.get_payload()
    return str(payload).encode("utf-8", "surrogateescape") if payload is not None else b""


def _as_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes(policy=email.policy.compat32)
    except Exception:
        return str(message).encode("utf-8", "surrogateescape")


def _text_of(part: Message) -> str:
    """A text part decoded with its declared charset; unknown or lying charsets fall back."""
    data = _bytes_of(part)
    charset = (part.get_content_charset() or "").strip().strip('"') or "utf-8"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return clean_text(data.decode(candidate))
        except (LookupError, UnicodeDecodeError):
            continue
    return clean_text(data.decode("latin-1"))


# ---- delivery-status reports -------------------------------------------------------------


def _dsn_text(part: Message) -> str:
    blocks = _subparts(part)
    if blocks:  # the parser split the fields into sub-messages
        return "\n\n".join(_as_bytes(block).decode("utf-8", "replace") for block in blocks)
    return _bytes_of(part).decode("utf-8", "replace")


def _read_report(mail: ParsedMail) -> None:
    """Whether the mail is a delivery report, standard or in one of the plain-text forms."""
    delivery = "delivery-status" in mail.header("content-type").lower()
    if mail.is_report and (mail.delivery_status or (delivery and mail.bounced_message_id)):
        mail.report_format = "rfc3464"
    elif reports.from_machine(mail.headers, mail.from_address):
        name, statuses = reports.plain_report(mail.text[:200_000], mail.subject)
        if name:
            mail.report_format, mail.delivery_status = name, statuses
    if mail.report_format:
        mail.is_report = True
        mail.bounced_message_id = mail.bounced_message_id or reports.quoted_message_id(
            mail.text[:200_000]
        )


def _bounced_message_id(part: Message) -> str:
    if part.get_content_type() == "message/rfc822" and _subparts(part):
        return next(iter(message_ids(_header(_subparts(part)[0], "message-id"))), "")
    match = re.search(rb"(?im)^message-id:\s*(<[^>]+>)", _bytes_of(part))
    return message_ids(match.group(1).decode("utf-8", "replace"))[0] if match else ""
