"""HTTP endpoint URLs ctloop is given (a Prometheus, a Pushgateway): checked when they are given,
because urllib raises ``InvalidURL``/``ValueError`` only when the first request is sent — after a
monitoring window was judged, or in the middle of a canary analysis."""

from __future__ import annotations

import urllib.parse
from typing import Any

from ctloop.errors import ConfigError


def check_http_url(url: Any, what: str, example: str) -> str:
    """``url`` when it is an ``http://``/``https://`` URL with a host, a port that is a number and
    no space or control character; else a ConfigError naming ``what`` and ending with ``example``."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{what} {url!r} must start with http:// or https://, {example}")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises ValueError here
    except ValueError as exc:
        raise ConfigError(f"{what} {url!r} is not a URL ({exc}), {example}") from None
    if not parts.hostname or any(c.isspace() or not c.isprintable() for c in url):
        raise ConfigError(f"{what} {url!r} has no host or holds a space or control character, {example}")
    return url


__all__ = ["check_http_url"]
