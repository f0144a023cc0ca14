"""Reads of the reports app: the dashboard, the monthly report, the tickets behind a figure
and the rollup rows the API serves. Each starts from ``reports.policies``."""

from __future__ import annotations

from tierdesk.reports.selectors.dashboard import Dashboard, dashboard, filter_choices, rollup_rows
from tierdesk.reports.selectors.drilldown import MEASURES, PAGE_SIZE, measure_tickets
from tierdesk.reports.selectors.filters import (
    PERIODS,
    Filters,
    organization_label_of,
    organization_resolve,
    organization_suggestions,
    parse_filters,
)
from tierdesk.reports.selectors.monthly import (
    MonthlyReport,
    monthly_report,
    report_organization_get,
    report_organizations,
)
from tierdesk.reports.selectors.satisfaction import rating_of, ticket_rating, with_rating

__all__ = [
    "MEASURES",
    "PAGE_SIZE",
    "PERIODS",
    "Dashboard",
    "Filters",
    "MonthlyReport",
    "dashboard",
    "filter_choices",
    "measure_tickets",
    "monthly_report",
    "organization_label_of",
    "organization_resolve",
    "organization_suggestions",
    "parse_filters",
    "rating_of",
    "report_organization_get",
    "report_organizations",
    "rollup_rows",
    "ticket_rating",
    "with_rating",
]
