from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tierdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts"
