from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "tierdesk.desk"
    label = "desk"
    verbose_name = "Desk"

    def ready(self) -> None:
        from django.db.models import Model
        from django.db.models.signals import post_delete, post_save

        from tierdesk.core.config_cache import ConfigCache
        from tierdesk.desk.models import CannedResponse
        from tierdesk.desk.selectors import CANNED_RESPONSES

        # Cache invalidation only: no business rule runs in these handlers. (What plans promise
        # comes from the SLA plan cache, which the sla app clears.)
        caches: list[tuple[type[Model], ConfigCache]] = [(CannedResponse, CANNED_RESPONSES)]
        for model, cache in caches:
            for signal, name in ((post_save, "save"), (post_delete, "delete")):
                uid = f"desk-{cache.name}-{model.__name__}-{name}"
                signal.connect(cache.clear, sender=model, dispatch_uid=uid)
