"""What the Premium plan includes beyond its targets (X7, H5), seeded once by migration 0002."""

from __future__ import annotations

from typing import Any

PREMIUM = "premium-24x7"


def seed_plan_terms(apps: Any) -> None:
    """Premium: RCAs due 48 hours after resolution (around the clock); its customers approve
    changes and hear of them three days ahead."""
    plan = apps.get_model("sla", "Plan").objects.filter(slug=PREMIUM).first()
    if plan is None:
        return
    apps.get_model("problems", "PlanTerms").objects.get_or_create(
        plan=plan,
        defaults={
            "rca_included": True, "rca_hours": 48, "change_customer_approval": True,
            "downtime_notice_days": 3,
        },
    )  # fmt: skip
