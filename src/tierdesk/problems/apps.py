from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "tierdesk.problems"
    label = "problems"
    verbose_name = "Problems and changes"

    def ready(self) -> None:
        # A release fixes problems; an alert during a maintenance window is tagged. Both hooks
        # are declared below (downloads, monitoring) and subscribed to here.
        from tierdesk.downloads.hooks import release_published
        from tierdesk.monitoring.hooks import alert_received
        from tierdesk.problems.services.changes import alert_in_window
        from tierdesk.problems.services.problems import release_published as fixed_by_release

        release_published.subscribe(fixed_by_release)
        alert_received.subscribe(alert_in_window)
