from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    label = "mail"
    verbose_name = "E-mail"

    def ready(self) -> None:
        from tierdesk.mail import webhooks

        webhooks.connect()
