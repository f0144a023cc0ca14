from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tierdesk.notifications"
    label = "notifications"
    verbose_name = "Notifications and webhooks"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tierdesk.notifications import config
        from tierdesk.notifications.events import (
            notify_on_commit,
            reporter_on_commit,
            webhook_on_commit,
        )
        from tierdesk.notifications.models import NotificationPreference, Webhook
        from tierdesk.notifications.producers import may_concern_people
        from tierdesk.notifications.reporter import reporter_may_hear
        from tierdesk.notifications.webhooks import webhook_may_follow
        from tierdesk.tickets.hooks import event_recorded

        for model in (NotificationPreference, Webhook):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                uid = f"tierdesk.notifications.config.{model.__name__}.{name}"
                signal.connect(config.forget, sender=model, dispatch_uid=uid)
        # Each subscriber's predicate keeps events nobody cares about from costing a task row.
        event_recorded.subscribe(notify_on_commit, when=may_concern_people)
        event_recorded.subscribe(webhook_on_commit, when=webhook_may_follow)
        event_recorded.subscribe(reporter_on_commit, when=reporter_may_hear)
