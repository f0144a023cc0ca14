"""Every write to problems, incidents, root-cause reports and changes."""

from tierdesk.problems.services.changes import (
    alert_in_window,
    change_approve,
    change_close,
    change_decide,
    change_request,
    downtime_notices_send,
)
from tierdesk.problems.services.deliveries import update_deliver
from tierdesk.problems.services.incidents import (
    affected_refresh,
    incident_declare,
    incident_post,
    incident_publish,
    incident_update_notify,
)
from tierdesk.problems.services.problems import (
    problem_broadcast,
    problem_close,
    problem_create,
    problem_fix,
    problem_link,
    problem_note,
    problem_publish_workaround,
    problem_unlink,
    problem_update,
    problems_fixed_by_tickets,
)
from tierdesk.problems.services.rcas import (
    rca_pause,
    rca_resume,
    rca_review,
    rca_submit,
    rca_sweep,
    rca_write,
)

__all__ = [
    "affected_refresh",
    "alert_in_window",
    "change_approve",
    "change_close",
    "change_decide",
    "change_request",
    "downtime_notices_send",
    "incident_declare",
    "incident_post",
    "incident_publish",
    "incident_update_notify",
    "problem_broadcast",
    "problem_close",
    "problem_create",
    "problem_fix",
    "problem_link",
    "problem_note",
    "problem_publish_workaround",
    "problem_unlink",
    "problem_update",
    "problems_fixed_by_tickets",
    "rca_pause",
    "rca_resume",
    "rca_review",
    "rca_submit",
    "rca_sweep",
    "rca_write",
    "update_deliver",
]
