from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tierdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tierdesk.accounts.models import Team
        from tierdesk.tickets.configuration import CATEGORIES, TEAMS
        from tierdesk.tickets.models import Category
        from tierdesk.tickets.services.opening import DEFAULT_TEAMS

        # Cache invalidation only: no business rule runs in these handlers.
        for model, cache in ((Team, DEFAULT_TEAMS), (Team, TEAMS), (Category, CATEGORIES)):
            uid = f"tickets-{cache.name}-{model.__name__}"
            post_save.connect(cache.clear, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(cache.clear, sender=model, dispatch_uid=f"{uid}-delete")
