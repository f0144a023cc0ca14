"""Where an alert goes: organization, team and priority (item 3 of issue 17).

Rules are tried by position, the first that matches names the organization and team (and may
fix the priority); the severity's row in ``SeverityPriority`` gives the priority otherwise.
Alerts no rule routes belong to the source's organization, else to the vendor: the NOC's
triage queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import router
from django.db.models import Q

from tierdesk.accounts.models import Team
from tierdesk.core.fetch import CompiledQuery, Param
from tierdesk.crm.models import Organization
from tierdesk.monitoring.models import RoutingRule, SeverityPriority, Source
from tierdesk.monitoring.notices import Notice
from tierdesk.tickets.models import Priority
from tierdesk.tickets.services.opening import default_team

DEFAULT_PRIORITY = Priority.P3


@dataclass(frozen=True)
class Route:
    organization: Organization
    team: Team | None
    priority: int
    is_emergency: bool
    rule: RoutingRule | None
    triage: bool


def route(source: Source, notice: Notice) -> Route:
    rule = matching_rule(source, notice)
    priority, emergency = severity_priority(notice.severity)
    if rule is not None and rule.priority:
        priority, emergency = rule.priority, rule.priority == Priority.P1
    organization = (rule.organization if rule else None) or source.organization
    triage = organization is None
    if organization is None:
        organization = _VENDOR.first(router.db_for_read(Organization))
        if organization is None:
            raise LookupError("No vendor organization: the NOC's triage queue has no home.")
    team = (rule.team if rule else None) or source.team or noc_team(organization)
    return Route(organization, team, priority, emergency, rule, triage)


def matching_rule(source: Source, notice: Notice) -> RoutingRule | None:
    rules = _RULES.rows(router.db_for_read(RoutingRule), source=source.pk)
    for rule in rules:
        if rule_matches(rule, notice):
            return rule
    return None


def rule_matches(rule: RoutingRule, notice: Notice) -> bool:
    """Every condition the rule sets must hold (a rule with none matches everything)."""
    if rule.label_name:
        value = notice.labels.get(rule.label_name)
        if value is None and rule.label_name == "severity":
            value = notice.severity
        if value is None or (rule.label_value and not fnmatchcase(value, rule.label_value)):
            return False
    if rule.host_group and rule.host_group not in notice.host_groups:
        return False
    return not (
        rule.host_pattern and not any(fnmatchcase(h, rule.host_pattern) for h in notice.hosts)
    )


def severity_priority(severity: str) -> tuple[int, bool]:
    """The priority (and whether it is a 24x7 emergency) a severity gives."""
    database = router.db_for_read(SeverityPriority)
    row = _SEVERITY.first(database, severity=severity.lower()) if severity else None
    if row is None:
        return DEFAULT_PRIORITY, False
    return row.priority, row.is_emergency


def noc_team(organization: Organization) -> Team | None:
    """The NOC team (``TIERDESK_MONITORING_TEAM``, a team slug), else the vendor's L1 team."""
    slug = settings.TIERDESK_MONITORING_TEAM
    noc = _TEAM_BY_SLUG.first(router.db_for_read(Team), slug=slug)
    return noc or default_team(organization, level=1)


# Every alert group a storm opens is routed: the ORM compiles each of these reads once per
# process.
_RULES = CompiledQuery(
    lambda: RoutingRule.objects.filter(
        Q(source_id=Param("source", RoutingRule._meta.get_field("source"))) | Q(source__isnull=True)
    ).select_related("organization", "team")
)
_SEVERITY = CompiledQuery(
    lambda: SeverityPriority.objects.filter(
        severity=Param("severity", SeverityPriority._meta.get_field("severity"))
    ).order_by()
)
_VENDOR = CompiledQuery(lambda: Organization.objects.filter(kind="vendor").order_by("id")[:1])
_TEAM_BY_SLUG = CompiledQuery(
    lambda: Team.objects.filter(slug=Param("slug", Team._meta.get_field("slug"))).order_by()[:1]
)
