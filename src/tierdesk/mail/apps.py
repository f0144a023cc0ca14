from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    label = "mail"
    verbose_name = "E-mail"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tierdesk.accounts.models import Agent, User
        from tierdesk.mail import webhooks
        from tierdesk.mail.events import event_mail_on_commit, mail_may_follow
        from tierdesk.mail.senders import forget_agent_addresses
        from tierdesk.tickets.hooks import event_recorded

        webhooks.connect()
        # Who is an agent is cached per process (senders.agent_addresses); a change forgets it.
        for model in (User, Agent):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                uid = f"tierdesk.mail.agent_addresses.{model.__name__}.{name}"
                signal.connect(forget_agent_addresses, sender=model, dispatch_uid=uid)
        # A ticket event the reporter may hear about: the worker decides and mails, after commit.
        event_recorded.subscribe(event_mail_on_commit, when=mail_may_follow)
