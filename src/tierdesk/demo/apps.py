from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: built through the services of every app, so it sits above them all."""

    name = "tierdesk.demo"
    label = "demo"
    verbose_name = "Demo data"
