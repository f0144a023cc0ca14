from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "tierdesk.desk"
    label = "desk"
    verbose_name = "Desk"
