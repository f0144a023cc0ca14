from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "tierdesk.crm"
    label = "crm"
    verbose_name = "CRM"
