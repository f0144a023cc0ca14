from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "tierdesk.sla"
    label = "sla"
    verbose_name = "Service levels"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from tierdesk.sla import models
        from tierdesk.sla.config import forget_plan_configs

        # Cache invalidation only: no business rule runs in these handlers.
        for model in (models.Plan, models.Target, models.EscalationStep, models.Calendar):
            post_save.connect(forget_plan_configs, sender=model, dispatch_uid=f"sla-{model}-save")
            post_delete.connect(forget_plan_configs, sender=model, dispatch_uid=f"sla-{model}-del")
        m2m_changed.connect(
            forget_plan_configs,
            sender=models.EscalationStep.notify_users.through,
            dispatch_uid="sla-step-users",
        )
