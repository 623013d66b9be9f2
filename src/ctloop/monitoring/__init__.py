"""Monitoring of served traffic.

* :mod:`ctloop.monitoring.rules` — the retraining rules;
* :mod:`ctloop.monitoring.policy` — the decision of a window: the rules, the champion's re-based
  reference, the retrain budget and the recovery after a loss (one function for the monitoring
  pipeline and the backtest, its state in the window records);
* :mod:`ctloop.monitoring.store` — the monitoring history in MLflow (one run per judged window);
* :mod:`ctloop.monitoring.champion` — what a window is judged against, read from the registry.

The judgement of one window is the ``monitor_model`` component's core
(:mod:`ctloop.components.monitor.core`).
"""
