"""Migration history only: see :class:`ikoe.monitoring.apps.MonitoringConfig`."""
