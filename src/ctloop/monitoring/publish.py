"""Publishing a judged window to Prometheus (through a Pushgateway), so that drift and realized
quality sit beside the serving metrics in Grafana and alert through Alertmanager.

The Pushgateway URL comes from ``monitoring.pushgateway_url``, else ``PUSHGATEWAY_URL`` (ConfigMap
``ctloop-settings``); without one nothing is pushed. A failed push is a warning, never a failed
run: the window is recorded in MLflow either way.
"""

from __future__ import annotations

import os
from typing import Any

from ctloop.errors import CtloopError

ENV = "PUSHGATEWAY_URL"


def gateway(url: str = "") -> str:
    return (url or os.environ.get(ENV, "")).strip()


def publish_window(url: str, *, model: str, window: dict[str, Any]) -> bool:
    """Push ``window`` (``WindowJudgement.published()``); True when pushed."""
    target = gateway(url)
    if not target:
        return False
    from ctloop.monitoring_metrics import push_window

    try:
        push_window(target, model=model, window=window)
    except CtloopError as exc:
        print(f"ctloop: WARNING: monitor {model}: metrics not pushed to {target}: {exc}")
        return False
    return True


__all__ = ["ENV", "gateway", "publish_window"]
