from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tierdesk.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from tierdesk.reports.services import event_changes_rollups, event_mark_dirty
        from tierdesk.tickets.hooks import event_recorded

        # A late event (or one that moves a ticket to another cell) marks the past days it
        # changes; the rollup job rebuilds them. Only kinds the rollups read: the rest would
        # cost a query each for nothing.
        event_recorded.subscribe(event_mark_dirty, when=event_changes_rollups)
