"""Plans and their targets (a plan keeps at least one target)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tierdesk.core.errors import TierdeskError
from tierdesk.desk.config_forms import PlanForm, PlanTargetFormSet, style_formset
from tierdesk.desk.views.config.base import config_page, share_choices, show_error
from tierdesk.sla import configuration
from tierdesk.sla.models import Plan


@config_page
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = configuration.plan_rows(actor=request.user)
    return render(request, "desk/config/plans.html", {"plans": plans, "section": "plans"})


@config_page
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = configuration.plan_for_edit(actor=request.user, pk=pk) if pk else Plan()
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, instance=plan)
    targets = style_formset(PlanTargetFormSet(data, instance=plan, prefix="targets"))
    share_choices(targets, "calendar")
    if data is not None and _save(request, form, targets):
        messages.success(request, _("Plan %(name)s saved.") % {"name": form.instance.name})
        return redirect("desk:config_plan", pk=form.instance.pk)
    context = {"plan": plan, "form": form, "targets": targets, "section": "plans"}
    return render(request, "desk/config/plan.html", context, status=422 if data else 200)


def _save(request: HttpRequest, form: Any, targets: Any) -> bool:
    if not (form.is_valid() and targets.is_valid()):
        return False
    try:
        configuration.plan_save(
            actor=request.user, plan=form.save(commit=False),
            targets=targets.save(commit=False), deleted_targets=targets.deleted_objects,
        )  # fmt: skip
    except (TierdeskError, ValidationError) as error:
        show_error(form, error)
        return False
    return True
