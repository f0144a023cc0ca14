"""What the download centre lets the layers above it act on (``tierdesk.core.hooks``).

Fired here, subscribed to in the higher app's ``AppConfig.ready()``: downloads imports none of
them.
"""

from __future__ import annotations

from tierdesk.core.hooks import Hook

release_published = Hook(
    "downloads.release_published",
    "A release was published; fired on commit of the publication with release_id, product_id, "
    "version (the version number), kind and ticket_ids (the defect tickets it fixes). The "
    "problems app subscribes to close the problems those tickets belong to.",
)
