"""The category tree seeded from the sources (domain.md P3/H1), with the facts each requires
before escalation to L2 (P4/P7). Admins edit categories afterwards; this is only the start."""

from __future__ import annotations

from typing import Any

DEVICE = ["description", "system_details", "steps_tried"]
DEVICE_WITH_EVIDENCE = [*DEVICE, "screenshots"]
SERVER = ["description", "system_details", "logs", "steps_tried"]
ACCOUNT = ["description"]

# (slug, name, audience, required facts, children)
CATEGORY_TREE: list[tuple[str, str, str, list[str], list[tuple[str, str, list[str]]]]] = [
    (
        "end-users", "End users", "end_user", DEVICE,
        [
            ("enrollment", "Enrollment", DEVICE_WITH_EVIDENCE),
            ("configuration-and-access", "Configuration and access", DEVICE),
            ("device-features", "Device features", DEVICE_WITH_EVIDENCE),
            ("mobile-apps", "Mobile apps", DEVICE_WITH_EVIDENCE),
            ("other", "Other", DEVICE),
        ],
    ),
    (
        "administrators", "Administrators", "administrator", SERVER,
        [
            ("device-operation-pending", "Device operation pending", SERVER),
            ("restrictions-not-applied", "Restrictions not applied", SERVER),
            ("how-to", "How-to", ["description"]),
        ],
    ),
    (
        "hosting", "Hosting", "hosting", SERVER,
        [
            ("billing", "Billing", ACCOUNT),
            ("order-setup", "Order setup and verification", ACCOUNT),
            ("presales", "Presales", ACCOUNT),
            ("server-administration", "Server administration", SERVER),
            ("server-setup", "Server setup", SERVER),
            ("monitoring-and-reboot", "Monitoring and reboot", ["description", "system_details"]),
            ("server-management", "Server management", SERVER),
            ("optimization", "Optimization", SERVER),
            ("data-security", "Data security (backups)", SERVER),
            ("server-security", "Server security", SERVER),
            ("migration", "Migration", SERVER),
        ],
    ),
]  # fmt: skip


def seed_categories(category_model: Any) -> None:
    """Create the tree if missing; existing rows (possibly edited by admins) are left alone."""
    for position, (slug, name, audience, facts, children) in enumerate(CATEGORY_TREE):
        parent, _ = category_model.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name, "audience": audience, "required_facts": facts,
                "position": position,
            },
        )  # fmt: skip
        for child_position, (child_slug, child_name, child_facts) in enumerate(children):
            category_model.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "name": child_name, "parent": parent, "audience": audience,
                    "required_facts": child_facts, "position": child_position,
                },
            )  # fmt: skip
