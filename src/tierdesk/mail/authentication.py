"""Who really sent a mail: DKIM, SPF and DMARC alignment, checked here or read from the
``Authentication-Results`` of a receiving host we trust. No Django ORM: DNS answers come from
the ``txt`` function the caller passes (``mail/dns.py``), so the rules are testable alone.

DMARC (RFC 7489) in short: the ``From`` domain is proven when a DKIM signature that verifies
has a ``d=`` domain aligned with it, or SPF passes for a ``Return-Path`` domain aligned with it.
"Aligned" is relaxed by default (the same organizational domain; without the public suffix list
we take the last two labels, three under a two-letter country's second level such as
``co.uk``), strict when the record says ``adkim=s``/``aspf=s``. The record at ``_dmarc.<from
domain>`` (else at the organizational domain) says whether the domain asks for this at all:
without one the result is ``none``, and the mail counts as verified only by an aligned pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A TXT lookup: the records' texts, ``[]`` for none; raises ``DnsTempError`` when DNS fails.
TxtLookup = Callable[[str], list[str]]
RESULT = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*([a-z]+)", re.I)
PROPERTY = re.compile(r"\b(header\.d|header\.i|header\.from|smtp\.mailfrom)\s*=\s*([^\s;]+)", re.I)
RECEIVED_FROM = re.compile(r"^\s*from\s+(\S+).*?\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]", re.S)
SECOND_LEVELS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "or", "ne", "go"})


class DnsTempError(Exception):
    """DNS did not answer in time (or at all): the result is ``temperror``, decided by policy."""


@dataclass(frozen=True)
class Verdict:
    dkim: str = "none"  # pass, fail, none, temperror
    dkim_domains: tuple[str, ...] = ()  # d= of the signatures that verified
    spf: str = "none"  # pass, fail, softfail, neutral, none, temperror, permerror
    spf_domain: str = ""
    dmarc: str = "none"  # pass, fail, none, temperror
    source: str = "checked"  # or the trusted authserv-id whose header said so

    @property
    def verified(self) -> bool:
        """The From domain is proven (DMARC pass: an aligned DKIM or SPF pass)."""
        return self.dmarc == "pass"

    @property
    def failed(self) -> bool:
        """The domain asks for DMARC and the mail does not meet it."""
        return self.dmarc == "fail"

    @property
    def summary(self) -> str:
        dkim = f"dkim={self.dkim}" + (f" (d={','.join(self.dkim_domains)})" if self.dkim_domains
                                      else "")  # fmt: skip
        spf = f"spf={self.spf}" + (f" ({self.spf_domain})" if self.spf_domain else "")
        via = "" if self.source == "checked" else f" [{self.source}]"
        return f"{dkim} {spf} dmarc={self.dmarc}{via}"[:300]


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower()


def organizational(domain: str) -> str:
    labels = domain.lower().strip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def aligned(domain: str, from_domain: str, *, strict: bool) -> bool:
    if not domain or not from_domain:
        return False
    if strict:
        return domain == from_domain
    return organizational(domain) == organizational(from_domain)


def dmarc_record(from_domain: str, txt: TxtLookup) -> dict[str, str] | None:
    """The DMARC record's tags for the domain (or its organizational domain), else ``None``."""
    for domain in dict.fromkeys([from_domain, organizational(from_domain)]):
        for record in txt(f"_dmarc.{domain}"):
            if record.replace(" ", "").lower().startswith("v=dmarc1"):
                return _tags(record)
    return None


def _tags(record: str) -> dict[str, str]:
    tags = {}
    for item in record.split(";"):
        name, _, value = item.partition("=")
        if name.strip():
            tags[name.strip().lower()] = value.strip().lower()
    return tags


def dmarc(
    from_domain: str, dkim_domains: tuple[str, ...], spf: str, spf_domain: str, txt: TxtLookup
) -> str:
    """``pass``, ``fail`` (the domain has a record and nothing aligned passed), ``none`` (no
    record) or ``temperror``."""
    try:
        record = dmarc_record(from_domain, txt)
    except DnsTempError:
        return "temperror"
    strict_dkim = record is not None and record.get("adkim") == "s"
    strict_spf = record is not None and record.get("aspf") == "s"
    passed = any(aligned(d, from_domain, strict=strict_dkim) for d in dkim_domains) or (
        spf == "pass" and aligned(spf_domain, from_domain, strict=strict_spf)
    )
    if passed:
        return "pass"
    return "none" if record is None else "fail"


def client_of(received: str) -> tuple[str, str]:
    """(HELO name, IP) of the client in the topmost ``Received`` header (our receiving MTA's)."""
    match = RECEIVED_FROM.match(received)
    return (match.group(1), match.group(2)) if match else ("", "")


def trusted_results(headers: dict[str, str], authserv_id: str, from_domain: str) -> Verdict | None:
    """The topmost ``Authentication-Results`` when the host we trust wrote it (our receiving
    host adds it on top and removes any of its own name that came from outside)."""
    value = headers.get("authentication-results", "")
    host = value.split(";", 1)[0].strip().split()[0].lower() if value.strip() else ""
    if not authserv_id or host != authserv_id.lower():
        return None
    results: dict[str, str] = {}
    for method, result in RESULT.findall(value):
        results.setdefault(method.lower(), result.lower())
    properties: dict[str, str] = {}
    for name, prop in PROPERTY.findall(value):
        properties.setdefault(name.lower(), prop.strip('"').lower())
    dkim_domain = properties.get("header.d") or domain_of(properties.get("header.i", ""))
    dkim_result = results.get("dkim", "none")
    spf_domain = domain_of(properties.get("smtp.mailfrom", "")) or properties.get(
        "smtp.mailfrom", ""
    )
    verdict = results.get("dmarc")
    if verdict is None:  # the host checked DKIM and SPF only: alignment is ours to judge
        passed = dkim_result == "pass" and aligned(dkim_domain, from_domain, strict=False)
        passed = passed or (
            results.get("spf") == "pass" and aligned(spf_domain, from_domain, strict=False)
        )
        verdict = "pass" if passed else "none"
    return Verdict(
        dkim=dkim_result, dkim_domains=(dkim_domain,) if dkim_result == "pass" else (),
        spf=results.get("spf", "none"), spf_domain=spf_domain,
        dmarc=verdict if verdict in {"pass", "fail", "none", "temperror"} else "fail",
        source=authserv_id,
    )  # fmt: skip
