"""The REST API: one NinjaAPI, one router per domain, one OpenAPI document."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Tierdesk API", version="1", urls_namespace="api")
