"""One ticket's whole life through the API, as the people involved would drive it."""

from __future__ import annotations

from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import open_ticket

LIFECYCLE_KINDS = {
    "opened", "replied", "updated", "attached", "escalated", "pended", "resumed", "resolved",
    "closed", "reopened",
}  # fmt: skip


def steps(timeline):
    """(kind, actor) of the lifecycle events, leaving out whatever else (SLA) records."""
    return [
        (e["kind"], e["actor"]["name"] if e["actor"] else None)
        for e in timeline
        if e["kind"] in LIFECYCLE_KINDS
    ]


def test_a_ticket_walks_from_contact_through_three_levels_to_closed_and_reopened(world, api_as):
    contact, l1, l2, l3 = (api_as(p) for p in ("acme_contact", "l1", "l2", "l3"))

    ticket = open_ticket(contact, category="enrollment")
    ref = f"/api/v1/tickets/{ticket['reference']}"
    assert ticket["status"] == "new"
    assert ticket["organization"]["name"] == "Acme Retail"

    reply = l1.post(f"{ref}/replies", {"body": "Which phone models fail?"})
    assert reply.status_code == 201

    refused = l1.post(f"{ref}/escalate", {"reason": "Needs L2"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "missing_facts"
    assert error["field"] == "facts"
    assert error["details"] == ["system_details", "steps_tried", "screenshots"]

    facts = l1.patch(ref, {"facts": {"system_details": "iOS 19.1, MDM agent 4.2"}})
    assert facts.status_code == 200
    screenshot = SimpleUploadedFile("error.png", b"\x89PNG fake", content_type="image/png")
    uploaded = contact.upload(f"{ref}/attachments", {"file": screenshot}, {"fact": "screenshots"})
    assert uploaded.status_code == 201

    escalated = l1.post(
        f"{ref}/escalate",
        {"reason": "Reproduced; enrollment server side", "facts": {"steps_tried": "Re-enrolled"}},
    )
    assert escalated.status_code == 200, escalated.json()
    assert escalated.json()["support_level"] == 2
    assert escalated.json()["team"]["name"] == "Technical support"

    to_l3 = l2.post(f"{ref}/escalate", {"reason": "Looks like a defect"})
    assert to_l3.json()["support_level"] == 3
    assert to_l3.json()["team"]["name"] == "Solutions research"

    pended = l3.post(f"{ref}/pend", {"reason": "customer", "note": "Send the server log"})
    assert pended.json()["status"] == "pending"
    assert pended.json()["pending_reason"] == "customer"
    assert l3.post(f"{ref}/resume", {"note": "Log received"}).json()["status"] == "open"
    resolved = l3.post(f"{ref}/resolve", {"summary": "Fixed by patch 4.2.1"})
    assert resolved.json()["status"] == "resolved"
    assert contact.post(f"{ref}/close").json()["status"] == "closed"

    reopened = contact.post(f"{ref}/reopen", {"reason": "It fails again on iPads"})
    assert reopened.status_code == 200
    assert reopened.json()["reference"] == ticket["reference"]
    assert reopened.json()["status"] == "open"

    seen_by_l3 = l3.get(ref).json()
    assert steps(seen_by_l3["events"]) == [
        ("opened", "acme_contact"),
        ("replied", "l1"),
        ("updated", "l1"),
        ("attached", "acme_contact"),
        ("escalated", "l1"),
        ("escalated", "l2"),
        ("pended", "l3"),
        ("resumed", "l3"),
        ("resolved", "l3"),
        ("closed", "acme_contact"),
        ("reopened", "acme_contact"),
    ]
    times = [datetime.fromisoformat(e["at"]) for e in seen_by_l3["events"]]
    assert times == sorted(times)
    assert [m["body"] for m in seen_by_l3["messages"]] == [
        "Since this morning no phone enrolls.",
        "Which phone models fail?",
    ]

    seen_by_contact = contact.get(ref).json()
    assert steps(seen_by_contact["events"]) == [
        ("opened", "acme_contact"),
        ("replied", "l1"),
        ("attached", "acme_contact"),
        ("pended", "l3"),
        ("resumed", "l3"),
        ("resolved", "l3"),
        ("closed", "acme_contact"),
        ("reopened", "acme_contact"),
    ]
