from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tierdesk.api"
    label = "api"
    verbose_name = "REST API"
