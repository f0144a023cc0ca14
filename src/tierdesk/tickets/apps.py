from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tierdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tierdesk.accounts.models import Team
        from tierdesk.core import search
        from tierdesk.crm.hooks import subscriptions_changed
        from tierdesk.tickets.configuration import CATEGORIES, TEAMS, attach_configuration
        from tierdesk.tickets.models import Category
        from tierdesk.tickets.querysets import TicketQuerySet
        from tierdesk.tickets.search import TICKET_DOCUMENTS
        from tierdesk.tickets.services.opening import DEFAULT_TEAMS
        from tierdesk.tickets.tasks import plans_refresh_later

        # Tickets read ``with_configuration`` get their team, category and plan from the caches.
        TicketQuerySet.attach = staticmethod(attach_configuration)
        # Cache invalidation only: no business rule runs in these handlers.
        for model, cache in ((Team, DEFAULT_TEAMS), (Team, TEAMS), (Category, CATEGORIES)):
            uid = f"tickets-{cache.name}-{model.__name__}"
            post_save.connect(cache.clear, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(cache.clear, sender=model, dispatch_uid=f"{uid}-delete")
        # Plugged into the layers below: the search engine indexes the tickets' documents, and
        # a subscription change moves the organization's active tickets to the plan that now
        # applies (a task: the hook fires once the change committed).
        search.register(TICKET_DOCUMENTS)
        subscriptions_changed.subscribe(plans_refresh_later)
