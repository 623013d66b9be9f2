"""Monitoring of served traffic.

* :mod:`ctloop.monitoring.rules` — the retraining rules (shared by the monitoring pipeline and the
  backtest);
* :mod:`ctloop.monitoring.store` — the monitoring history in MLflow (one run per judged window);
* :mod:`ctloop.monitoring.champion` — what a window is judged against, read from the registry.

The judgement of one window is the ``monitor_model`` component's core
(:mod:`ctloop.components.monitor.core`).
"""
