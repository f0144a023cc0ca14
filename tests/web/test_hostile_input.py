"""Every desk and portal page, fed hostile values in its path, its query and its form: the
answer is a page or a 4xx, never a 5xx (issue 12: Unicode digits, 20-digit numbers, ...).

The pages come from the URLconf and the calls from ``test_tenancy.URLS``; the values are the
kinds that broke pages before: digits ``str.isdigit`` accepts and ``int`` does not, numbers past
64 bits, signs, fractions, NUL, and text far over every limit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse

from tests.web.test_tenancy import URLS, named_patterns

HOSTILE = [
    "²", "¹", "١٢", "99999999999999999999", "9223372036854775808", "-1", "0", "1.5", " 1",
    "\x00", "x" * 3000, "TD-²", "contact:99999999999999999999", "organization:²",
]  # fmt: skip
# The query parameters each page reads; every page is also asked for ?page=.
QUERY = {
    "desk:queue": ["priority", "status", "team", "category", "q"],
    "desk:commitment_preview": ["party", "priority", "is_emergency", "affected", "total"],
    "desk:impact_preview": ["affected", "total", "set_impact-affected", "set_impact-total"],
    "desk:canned_insert": ["canned", "body"],
    "desk:party_search": ["party_q"],
    "desk:ticket_new": ["party", "category"],
    "portal:tickets": ["show"],
    "portal:ticket_new": ["category"],
    "portal:ticket_new_facts": ["category"],
}
FORM_FIELDS = [
    "body", "reason", "summary", "note", "subject", "party", "affected", "total", "unit",
    "priority", "team", "assignee", "into", "kind", "to_level", "name", "category", "channel",
    "type", "who", "at", "duration_minutes", "outcome", "resolve-summary", "assign-assignee",
    "set_impact-affected", "set_impact-total", "escalate-to_level", "escalate-reason",
]  # fmt: skip


def pages() -> list[str]:
    return sorted((named_patterns("desk") | named_patterns("portal")) & set(URLS))


def persona_for(name: str) -> str:
    return "manager" if name.startswith("desk:") else "acme_contact"


def hostile_urls(desk: Any, name: str) -> list[str]:
    method, kwargs = URLS[name]
    values = kwargs(desk)
    url = reverse(name, kwargs=values)
    urls = []
    for value in values.values():  # each path part in turn
        urls += [url.replace(f"/{value}/", f"/{quote(bad, safe='')}/", 1) for bad in HOSTILE]
    if method == "get":
        for parameter in ["page", *QUERY.get(name, [])]:
            urls += [f"{url}?{urlencode({parameter: bad})}" for bad in HOSTILE]
    return urls


@pytest.mark.parametrize("name", pages())
def test_no_page_answers_hostile_input_with_a_server_error(desk, client_as, name) -> None:
    client = client_as(persona_for(name))
    method, _ = URLS[name]
    failures = []
    for url in hostile_urls(desk, name):
        response = client.post(url, {"body": "hello"}) if method == "post" else client.get(url)
        if response.status_code >= 500:
            failures.append((url[:120], response.status_code))
    if method == "post":
        url = reverse(name, kwargs=URLS[name][1](desk))
        for bad in HOSTILE:
            response = client.post(url, {field: bad for field in FORM_FIELDS})
            if response.status_code >= 500:
                failures.append((f"POST {url} all fields={bad[:20]!r}", response.status_code))
    assert not failures, failures
