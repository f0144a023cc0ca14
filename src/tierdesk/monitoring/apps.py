"""Monitoring intake: alerts from Alertmanager, Grafana, Zabbix and Nagios/Icinga become tickets."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "tierdesk.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring intake"

    def ready(self) -> None:
        # A person's reply, note or assignment on a monitoring ticket acknowledges its alert.
        from tierdesk.monitoring import services
        from tierdesk.tickets.hooks import event_recorded

        event_recorded.subscribe(services.acknowledge_on_agent_event, when=services.may_acknowledge)
