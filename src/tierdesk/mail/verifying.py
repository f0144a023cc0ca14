"""Checking who sent each mail (DKIM with dkimpy, SPF with pyspf, DMARC alignment in
``authentication``), before the mail is processed and never inside its write transaction:
the intake stores the raw mail (committed), then checks, then processes.

DNS goes to ``TIERDESK_MAIL_DNS_RESOLVER`` (empty: the system's resolvers) with a bounded
timeout (``TIERDESK_MAIL_DNS_TIMEOUT``). Answers are kept for five minutes per process, and a
failed lookup for thirty seconds, and after a timeout the resolver is taken for down for
thirty seconds (lookups fail at once): a batch from one domain asks once, and a resolver that
is down costs one timeout, not one per mail. A lookup that fails gives ``temperror``; the mailbox's
policy decides what that means (``services/deciding.py``), and the mail is never lost for it.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import dkim
import dns.exception
import dns.resolver
import spf
from django.conf import settings

from tierdesk.mail.authentication import (
    DnsTempError,
    Verdict,
    client_of,
    dmarc,
    domain_of,
    organizational,
    trusted_results,
)
from tierdesk.mail.parsing import ParsedMail, header_block

ANSWER_SECONDS = 300.0
FAILURE_SECONDS = 30.0
MAX_CACHED = 10_000
MAX_SIGNATURES = 5
PREFETCH_THREADS = 8
SIGNATURE_HEADER = re.compile(rb"(?im)^dkim-signature\s*:")
_answers: dict[str, tuple[float, list[str] | None]] = {}
# Until when the resolver is taken for down (after a timeout): lookups fail at once meanwhile.
_down_until: dict[str, float] = {}
_resolvers: dict[tuple[str, float], dns.resolver.Resolver] = {}


def authenticate_all(mails: Iterable[tuple[bytes, ParsedMail]]) -> None:
    """Check each mail not checked yet; the verdict rides on the parsed mail. The DMARC
    records of a batch's domains are asked for together first (a few threads): a batch from
    many new domains waits for one round trip, not one per domain."""
    todo = [(raw, parsed) for raw, parsed in mails if parsed.authentication is None]
    if settings.TIERDESK_MAIL_AUTH == "dns" and len(todo) > 1:
        _prefetch({domain_of(parsed.from_address) for _raw, parsed in todo if parsed.from_address})
    for raw, parsed in todo:
        parsed.authentication = authenticate(raw, parsed)


def _prefetch(domains: set[str]) -> None:
    names = [f"_dmarc.{name}" for d in domains for name in dict.fromkeys([d, organizational(d)])]
    missing = [name for name in dict.fromkeys(names) if not _cached(name)]
    if len(missing) > 1:
        with ThreadPoolExecutor(max_workers=PREFETCH_THREADS) as pool:
            list(pool.map(_quietly, missing))


def _quietly(name: str) -> None:
    with contextlib.suppress(DnsTempError):  # the mail's own check meets it again
        txt(name)


def authenticate(raw: bytes, parsed: ParsedMail) -> Verdict | None:
    """The verdict on the mail's ``From``; ``None`` when checks are off or there is no sender."""
    if settings.TIERDESK_MAIL_AUTH == "off" or not parsed.from_address or parsed.report_format:
        return None
    from_domain = domain_of(parsed.from_address)
    trusted = settings.TIERDESK_MAIL_TRUSTED_AUTHSERV_ID
    if trusted:
        found = trusted_results(parsed.headers, trusted, from_domain)
        if found is not None or settings.TIERDESK_MAIL_AUTH == "trusted":
            return found or Verdict(source=f"no Authentication-Results of {trusted}")
    dkim_result, domains = _dkim(raw)
    spf_result, spf_domain = _spf(parsed)
    verdict = dmarc(from_domain, domains, spf_result, spf_domain, txt)
    if verdict == "fail" and "temperror" in {dkim_result, spf_result}:
        verdict = "temperror"  # it might have passed had DNS answered
    return Verdict(dkim=dkim_result, dkim_domains=domains, spf=spf_result,
                   spf_domain=spf_domain, dmarc=verdict)  # fmt: skip


def _dkim(raw: bytes) -> tuple[str, tuple[str, ...]]:
    count = len(SIGNATURE_HEADER.findall(header_block(raw)))
    if not count:
        return "none", ()
    failed_dns = []

    def lookup(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode() if isinstance(name, bytes) else name
        try:
            records = txt(text.rstrip("."))
        except DnsTempError:
            failed_dns.append(text)
            return None
        return records[0].encode() if records else None

    message = dkim.DKIM(raw)
    passed: list[str] = []
    for index in range(min(count, MAX_SIGNATURES)):
        try:
            if message.verify(idx=index, dnsfunc=lookup):
                passed.append((message.domain or b"").decode("ascii", "replace").lower())
        except Exception:  # a broken signature is a failed one
            continue
    if passed:
        return "pass", tuple(dict.fromkeys(passed))
    return ("temperror" if failed_dns else "fail"), ()


def _spf(parsed: ParsedMail) -> tuple[str, str]:
    """SPF for the client our receiving MTA names in the topmost ``Received`` header."""
    helo, ip = client_of(parsed.header("received"))
    if not ip:
        return "none", ""
    mail_from = parsed.header("return-path").strip().strip("<>") or f"postmaster@{helo}"
    # pyspf asks dnspython's default resolver: point it at ours for the check.
    dns.resolver.default_resolver = resolver()
    timeout = settings.TIERDESK_MAIL_DNS_TIMEOUT
    try:
        result, _explanation = spf.check2(i=ip, s=mail_from, h=helo, timeout=timeout,
                                          querytime=timeout * 4)  # fmt: skip
    except Exception:
        result = "temperror"
    return str(result).lower(), domain_of(mail_from)


def resolver() -> dns.resolver.Resolver:
    configured = settings.TIERDESK_MAIL_DNS_RESOLVER.strip()
    timeout = float(settings.TIERDESK_MAIL_DNS_TIMEOUT)
    key = (configured, timeout)
    if key not in _resolvers:
        made = dns.resolver.Resolver(configure=not configured)
        if configured:
            host, _, port = configured.rpartition(":") if configured.count(":") == 1 else (
                configured, "", "")  # fmt: skip
            made.nameservers = [host.strip("[]")]
            made.port = int(port or 53)
        made.timeout = made.lifetime = timeout
        _resolvers[key] = made
    return _resolvers[key]


def _cached(name: str) -> bool:
    found = _answers.get(f"{settings.TIERDESK_MAIL_DNS_RESOLVER}|{name.lower()}")
    return found is not None and found[0] > time.monotonic()


def txt(name: str) -> list[str]:
    """The TXT records of a name (``[]`` for none); ``DnsTempError`` when DNS fails."""
    key = f"{settings.TIERDESK_MAIL_DNS_RESOLVER}|{name.lower()}"
    at = time.monotonic()
    cached = _answers.get(key)
    if cached is not None and cached[0] > at:
        if cached[1] is None:
            raise DnsTempError(name)
        return cached[1]
    server = settings.TIERDESK_MAIL_DNS_RESOLVER
    if _down_until.get(server, 0.0) > at:
        raise DnsTempError(name)
    if len(_answers) >= MAX_CACHED:
        _answers.clear()
    try:
        answer = resolver().resolve(name, "TXT", raise_on_no_answer=False)
        records = [b"".join(item.strings).decode("utf-8", "replace") for item in answer]
    except dns.resolver.NXDOMAIN:
        records = []
    except dns.exception.DNSException as exc:
        _answers[key] = (at + FAILURE_SECONDS, None)
        if isinstance(exc, dns.exception.Timeout):
            _down_until[server] = at + FAILURE_SECONDS
        raise DnsTempError(name) from exc
    _answers[key] = (at + ANSWER_SECONDS, records)
    return records


def forget_answers() -> None:
    """Drop the cached DNS answers (tests; a changed record applies at once)."""
    _answers.clear()
    _down_until.clear()
