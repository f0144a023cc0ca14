from django.apps import AppConfig


class DownloadsConfig(AppConfig):
    name = "tierdesk.downloads"
    label = "downloads"
    verbose_name = "Download centre"
