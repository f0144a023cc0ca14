"""Monitoring intake: alerts from Alertmanager, Grafana, Zabbix and Nagios/Icinga become tickets."""
