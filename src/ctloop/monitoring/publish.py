"""Publishing a judged window to Prometheus (through a Pushgateway, :mod:`ctloop.monitoring.prometheus`),
so that drift and realized quality sit beside the serving metrics in Grafana and alert through
Alertmanager.

The Pushgateway URL comes from ``monitoring.pushgateway_url``, else ``PUSHGATEWAY_URL`` (ConfigMap
``ctloop-settings``); without one nothing is pushed. A failed push is a warning, never a failed
run: the window is recorded in MLflow either way. A malformed URL is a ConfigError before the
window is judged (:func:`check`). A window older than the newest one recorded (a backfill with
``as_of``, a pod whose clock runs behind) is not pushed: the push replaces the model's group, and
Prometheus would read its numbers as the current ones (``monitor_model`` warns instead).

A Pushgateway behind an auth proxy (or its own ``--web.config.file``) gets the credentials of
``PUSHGATEWAY_TOKEN``/``PUSHGATEWAY_TOKEN_FILE``/``PUSHGATEWAY_USERNAME``/``PUSHGATEWAY_PASSWORD``
and ``PUSHGATEWAY_CA_FILE`` (docs/serving.md#pushgateway-behind-an-auth-proxy).
"""

from __future__ import annotations

from typing import Any

ENV = "PUSHGATEWAY_URL"


def gateway(url: str = "") -> str:
    from ctloop.serving.metric_sources import configured_url

    return configured_url(url, ENV)


def check(url: str, model: str) -> None:
    """Fail fast (ConfigError) on a Pushgateway URL or credentials (``PUSHGATEWAY_TOKEN``,
    ``PUSHGATEWAY_TOKEN_FILE``, ``PUSHGATEWAY_USERNAME``/``PUSHGATEWAY_PASSWORD``,
    ``PUSHGATEWAY_CA_FILE``) that cannot be used."""
    target = gateway(url)
    if target:
        from ctloop.monitoring.prometheus import gateway_auth, group_url

        group_url(target, model)
        gateway_auth()


def publish_window(url: str, *, model: str, window: dict[str, Any]) -> str | None:
    """Push ``window`` (``WindowJudgement.published()``); returns the one-line warning when the
    push failed or was accepted without a part of the window (a column written '', whose series
    are not published: :func:`ctloop.monitoring.prometheus.push_window`), None when it was
    accepted whole or there is no Pushgateway."""
    target = gateway(url)
    if not target:
        return None
    from ctloop.monitoring.prometheus import push_window

    return push_window(target, model=model, window=window)


__all__ = ["ENV", "gateway", "check", "publish_window"]
