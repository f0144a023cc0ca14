"""The intake endpoint (``POST /api/v1/monitoring/<slug>``) and the desk's acknowledge button.

The endpoint is a plain view, not a ninja operation: it authenticates with the source's own
token (not a person's), reads the body as its monitoring system sends it, and answers in the
API's error shape. Payloads over ``TIERDESK_REQUEST_MAX_BYTES`` never reach it (413 from
``core.limits``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tierdesk.core.api.errors import error_body
from tierdesk.core.errors import TierdeskError
from tierdesk.monitoring import selectors, services
from tierdesk.monitoring.credentials import source_authenticated

UNAUTHORIZED = (
    "Unknown monitoring source or wrong token: send Authorization: Bearer <the source's token> "
    "(or basic auth with the token as password)."
)


@csrf_exempt
def alert_intake(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        response = JsonResponse(error_body("invalid", "Send alerts with POST."), status=405)
        response["Allow"] = "POST"
        return response
    source = selectors.source_by_slug(slug)
    if not source_authenticated(source, request.headers.get("Authorization", "")):
        response = JsonResponse(error_body("unauthorized", UNAUTHORIZED), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="tierdesk-monitoring"'
        return response
    assert source is not None
    outcome = services.payload_ingest(
        source=source, payload=request.body, content_type=request.content_type or ""
    )
    if outcome.action == "rejected":
        return JsonResponse(error_body("invalid", outcome.reason), status=400)
    return JsonResponse(outcome.as_dict())


@require_POST
def acknowledge(request: HttpRequest, group_id: int) -> HttpResponse:
    """One click on the ticket page: the alert is acknowledged and its paging stops."""
    group = selectors.group_get(user=request.user, group_id=group_id)
    if group is None or group.ticket is None:
        raise Http404("No such alert.")
    try:
        services.alert_acknowledge(
            actor=request.user, group=group, note=request.POST.get("note", "")[:300]
        )
    except TierdeskError as exc:
        raise Http404(exc.message) from None
    return redirect(reverse("desk:ticket", kwargs={"ref": group.ticket.reference}))
