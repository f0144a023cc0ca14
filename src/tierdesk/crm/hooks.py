"""What the CRM lets the layers above it act on (``tierdesk.core.hooks``).

Fired by the CRM, subscribed to in the higher app's ``AppConfig.ready()``: the CRM imports
none of them.
"""

from __future__ import annotations

from tierdesk.core.hooks import Hook

subscriptions_changed = Hook(
    "crm.subscriptions_changed",
    "An organization's subscriptions were added, changed or removed, so the plan that applies "
    "to its tickets may differ; fired on commit with organization_id. The ticket domain "
    "subscribes to move the organization's active tickets to the plan that now applies.",
)
