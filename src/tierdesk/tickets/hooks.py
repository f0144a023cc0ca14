"""What the ticket domain lets the layers above it (mail; later webhooks) act on.

Declared here, fired by the ticket services, subscribed to in the higher app's
``AppConfig.ready()`` (``tierdesk.core.hooks``): the ticket domain imports none of them.
"""

from __future__ import annotations

from tierdesk.core.hooks import Hook

event_recorded = Hook(
    "tickets.event_recorded",
    "A timeline event was written (every kind, from every write path); fired on commit with "
    "event_id, ticket_id, kind (an EventKind) and data (the event's data as stored). Mail "
    "subscribes, with a predicate, to tell the reporter.",
)
