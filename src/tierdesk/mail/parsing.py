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
import hashlib
import html
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from tierdesk.core.text import safe_filename

# Lines of our outgoing mail above which the customer writes (and below which we cut).
REPLY_MARKER = "##- Please type your reply above this line -##"
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
SUBJECT_PREFIXES = re.compile(r"^\s*((re|aw|sv|fw|fwd|wg|tr|antw|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)
EMERGENCY = re.compile(r"\[\s*emergency\s*\]", re.I)
WROTE_LINE = re.compile(r"^.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|skrev):\s*$", re.I)
CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
# The same characters as a pattern: ``str.translate`` with a mapping costs microseconds per call
# even on short ASCII text and a millisecond on a long non-ASCII body; the regex scan does not.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class DeliveryStatus:
    """One recipient's line of a delivery-status report (RFC 3464)."""

    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # 5.1.1, 4.4.7 ...
    diagnostic: str = ""

    @property
    def is_failure(self) -> bool:
        return self.action == "failed"

    @property
    def is_hard(self) -> bool:
        """5.x.x is permanent; 4.x.x (and anything unreadable) is worth another try later."""
        return self.is_failure and self.status.startswith("5")


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


# ---- text cleaning -----------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Readable, storable text: undo surrogate escapes of raw 8-bit bytes, drop NUL and controls.

    ``email`` keeps undecodable header bytes as lone surrogates, which no database stores; they
    are usually UTF-8, else Windows-1252 (what Outlook and old webmail send unlabelled).
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("cp1252", "replace")
        value = value.encode("utf-8", "replace").decode("utf-8")
    return CONTROL_CHARACTERS.sub("", value)


def one_line(value: str, limit: int = 998) -> str:
    return " ".join(clean_text(value).split())[:limit]


def normalize_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes, for display and comparison."""
    return SUBJECT_PREFIXES.sub("", subject).strip()


def is_emergency_subject(subject: str) -> bool:
    return bool(EMERGENCY.search(subject))


def ticket_tags(subject: str, prefix: str) -> list[int]:
    """Ticket numbers tagged in the subject: ``[TD-1042]`` (any case, optional spaces)."""
    pattern = re.compile(r"\[\s*" + re.escape(prefix) + r"\s*-\s*(\d{1,12})\s*\]", re.I)
    return [int(number) for number in pattern.findall(subject)]


def message_ids(value: str) -> list[str]:
    """The ``<id>`` tokens of a Message-ID, In-Reply-To or References header, in order."""
    return [one_line(mid, 250) for mid in MESSAGE_ID.findall(value)]


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def header_block(raw: bytes) -> bytes:
    """The header section of a raw message (what is kept of a message over the size limit)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end >= 0:
            return raw[: end + len(separator)]
    return raw[:65536]


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
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; this guards against its own bugs
        mail.defects.append(f"unparseable: {exc!r}")
        mail.text = CONTROL_CHARACTERS.sub("", raw.decode("utf-8", "replace"))
        return mail
    _read_headers(message, mail)
    _read_parts(message, mail)
    mail.defects.extend(type(defect).__name__ for defect in message.defects)
    return mail


def decode_words(value: str) -> str:
    """RFC 2047 encoded words (``=?utf-8?q?...?=``) decoded; unknown charsets and broken words
    are read leniently, never raised."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        pass
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    return "".join(_decoded_chunk(chunk, charset) for chunk, charset in chunks)


def _decoded_chunk(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset is None:  # text around the encoded words, which decode_header escaped
        return chunk.decode("raw-unicode-escape", "replace")
    try:
        return chunk.decode(charset, "replace")
    except LookupError:  # a charset nobody knows: most such mail is UTF-8
        return chunk.decode("utf-8", "replace")


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


# Address headers: read with parseaddr/getaddresses before their words are decoded (a decoded
# display name may hold commas and brackets).
ADDRESS_HEADERS = frozenset({"from", "reply-to", "to", "cc", "delivered-to", "x-original-to",
                             "envelope-to"})  # fmt: skip


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
    mail.from_name, mail.from_address = _address(addresses.get("from", ""))
    mail.reply_to = _address(addresses.get("reply-to", ""))[1]
    mail.recipients = _recipients(addresses)


def _address(value: str) -> tuple[str, str]:
    name, address = parseaddr(value)
    address = address.strip().lower()
    name = one_line(decode_words(name), 200)
    if "@" not in address or " " in address:
        return name, ""
    return name, address[:254]


def _recipients(addresses: dict[str, str]) -> list[str]:
    values = [
        addresses[name]
        for name in ("delivered-to", "x-original-to", "envelope-to", "to", "cc")
        if addresses.get(name)
    ]
    found: dict[str, None] = {}
    for _name, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address:
            found.setdefault(address[:254], None)
    return list(found)


def _read_parts(message: Message, mail: ParsedMail) -> None:
    if message.get_content_type() == "multipart/report":
        mail.is_report = True
    texts: list[str] = []
    htmls: list[str] = []
    for part in _walk(message):
        try:
            _read_part(part, mail, texts, htmls)
        except Exception as exc:
            mail.defects.append(f"part {part.get_content_type()}: {exc!r}")
    mail.text = "\n\n".join(t for t in texts if t.strip())
    mail.html = "\n".join(htmls)


def _walk(message: Message) -> list[Message]:
    """Leaf parts in order, not descending into attached messages (they are attachments)."""
    leaves: list[Message] = []
    stack = [message]
    while stack:
        part = stack.pop(0)
        if part.get_content_maintype() == "multipart":
            children = _subparts(part)
            if children:
                stack[0:0] = children
                continue
        leaves.append(part)
    return leaves[:500]


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _read_part(part: Message, mail: ParsedMail, texts: list[str], htmls: list[str]) -> None:
    content_type = part.get_content_type()
    disposition = (part.get_content_disposition() or "").lower()
    filename = _filename(part)
    if content_type == "message/delivery-status":
        mail.delivery_status.extend(_delivery_status(part))
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


def _delivery_status(part: Message) -> list[DeliveryStatus]:
    """Per-recipient fields of a message/delivery-status part (RFC 3464 §2.3)."""
    text = _bytes_of(part).decode("utf-8", "replace")
    blocks = _subparts(part)
    if blocks:  # the parser split the fields into sub-messages
        text = "\n\n".join(_as_bytes(block).decode("utf-8", "replace") for block in blocks)
    found = []
    for block in re.split(r"\r?\n\s*\r?\n", text):
        fields = _fields(block)
        recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        found.append(
            DeliveryStatus(
                recipient=address[:254],
                action=fields.get("action", "").lower(),
                status=fields.get("status", "").split()[0] if fields.get("status") else "",
                diagnostic=fields.get("diagnostic-code", "")[:500],
            )
        )
    return found


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    last = ""
    for line in block.splitlines():
        if line[:1] in {" ", "\t"} and last:
            fields[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            fields[last] = value.strip()
    return fields


def _bounced_message_id(part: Message) -> str:
    if part.get_content_type() == "message/rfc822" and _subparts(part):
        return next(iter(message_ids(_header(_subparts(part)[0], "message-id"))), "")
    match = re.search(rb"(?im)^message-id:\s*(<[^>]+>)", _bytes_of(part))
    return message_ids(match.group(1).decode("utf-8", "replace"))[0] if match else ""


# ---- bodies ------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head"}:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"} and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML (for HTML-only mail's quote stripping and search)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = "".join(extractor.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
