"""HTTP endpoint URLs ctloop is given (a Prometheus, a Pushgateway): checked when they are given,
because urllib raises ``InvalidURL``/``ValueError`` only when the first request is sent — after a
monitoring window was judged, or in the middle of a canary analysis."""

from __future__ import annotations

import re
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




# A userinfo urlsplit cut (CPython 3.11 ``urllib/parse.py`` ends the netloc at the first '/', '?'
# or '#', also inside a password) or could not parse: a user without ':/?#@', then ':' and a
# password up to the first '@' after it; or a user alone, a token (``http://TOKEN@host``), whose
# '@' comes before any '/', '?' or '#'.
_CUT_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^@/?#:]*)(?::(?P<password>[^@]*))?"
                           r"@(?P<rest>.*)", re.S)


def _cut_userinfo(uri: str) -> re.Match[str] | None:
    """The userinfo of ``uri`` when urlsplit cannot see it (see :data:`_CUT_USERINFO`), or when it
    is a token: a user name alone or with an empty password (``password`` None or ``''``) in an
    http(s) URI, which ``requests`` sends as basic auth, a secret like a password (a user name of
    another scheme, ``postgresql://mlflow@db``, ``hdfs://nn@cluster``, is no secret), else None:
    never for file:// or sqlite:// (a ':' and an '@' in a path), nor for ``host:port/…@…`` (a host
    with a '.' or ``localhost`` before digits and a '/': an '@' in the path or query), nor where
    urlsplit sees a password after the last '@' (``http://user@corp.com:pw@host``: requests' reading)."""
    from urllib.parse import urlsplit

    scheme = uri.split("://", 1)[0].lower()
    if scheme in ("file", "sqlite"):
        return None
    match = _CUT_USERINFO.match(uri)
    if match is None:
        return None
    if not match["password"]:  # a user alone, or with an empty password: a token over http(s) only
        try:
            seen = urlsplit(uri).password
        except ValueError:
            seen = None
        if not match["user"] or scheme not in ("http", "https") or seen:
            return None
    port = re.match(r"\d+(?=[/?#])", match["password"] or "")
    if port and ("." in match["user"] or match["user"].lower() == "localhost"):
        return None
    if _ipv6_host(uri.split("://", 1)[1]):  # '[' is no userinfo character (RFC 3986 3.2.1): the '@' is later
        return None
    return match


def _ipv6_host(rest: str) -> bool:
    """Whether ``rest`` (a URI after its ``scheme://``) starts with an IPv6 literal host, ``[::1]``
    (a zone as ``%25eth0``): only then is its '[' no userinfo (``http://[user:pw@host`` is one that
    requests sends as basic auth, and must stay masked)."""
    import ipaddress

    literal = re.match(r"\[([0-9A-Fa-f:.]+)(?:%25[^\]]*)?\]", rest)
    try:
        return literal is not None and bool(ipaddress.IPv6Address(literal[1]))
    except ValueError:
        return False


def _controls(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


def url_problem(text: str, schemes: tuple[str, ...] | None) -> str | None:
    """What is wrong with the URL ``text``, or None. ``schemes``: those it may have (None: any
    RFC 3986 scheme — MLflow takes plugin stores such as ``azureml://`` by entry point). Only
    http(s) URLs must have a host and a numeric port (``databricks://scope:prefix`` names a secret
    scope there); a ``file://`` path may hold blanks. A message never quotes a password."""
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if not text.strip() or _controls(text) or (scheme not in ("file", "sqlite") and any(c.isspace() for c in text)):
        return "must be a URL without blanks or control characters"
    # urlsplit cuts the netloc at a '/', '?' or '#' inside a password and reads what follows the
    # ':' as the port: its error text would quote the password, so for a URL with an '@' it is not shown
    hidden = "the port is not a number; a '/', '?' or '#' in a password is written %2F, %3F, %23"
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError as exc:
        return f"is not a URL ({hidden if '@' in text else exc})"
    if schemes is not None and parts.scheme not in schemes:
        return f"must start with {' or '.join(s + '://' for s in schemes)}"
    if schemes is None and not re.fullmatch(r"[a-z][a-z0-9+.-]*", parts.scheme or ""):
        return "must start with a scheme such as http://, file:// or sqlite://"
    if parts.scheme in ("http", "https"):
        if "@" not in parts.netloc and _cut_userinfo(text) is not None:  # http://user:20/24@host: host "user"
            return f"is not a URL ({hidden})"
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError as exc:
            return f"is not a URL ({hidden if '@' in text else exc})"
        if not parts.hostname:
            return "names no host"
        try:
            parts.hostname.encode("idna")
        except UnicodeError:
            return "has a host name DNS cannot hold (a label longer than 63 characters?)"
    return None


def kfp_host_problem(value: Any) -> str | None:
    """Why ``value`` is no KFP API URL, or None; empty is "not given". The one rule of ``--host``,
    ``kfp.host`` and ``KF_PIPELINES_ENDPOINT``. kfp 2.17 ``client.py`` (``Client._load_config``) puts
    ``https://`` in front of a host that does not start with ``http`` (case and all) and takes any
    other as it is: ``kfp.example.com/pipeline`` is https://kfp.example.com/pipeline, while
    ``http-gw.example.com/pipeline`` is sent as it is, which urllib3 2.x (``kfp_server_api``'s client)
    sends over plain http to port 80 (``util/url.py`` ``parse_url`` finds no scheme,
    ``poolmanager.py`` ``connection_from_host`` takes http): the bearer token in cleartext. The URL
    is then :func:`url_problem`'s http(s) URL: a numeric port, a host, and no userinfo urlsplit cuts
    (``http://admin:1234/pa@h`` is host ``admin``, port 1234 — or a password ``1234/pa`` on ``h``)."""
    if not isinstance(value, str):
        return "must be text"
    if value == "":
        return None
    if any(c.isspace() for c in value) or _controls(value):
        return "must be an http(s) URL without spaces or control characters"
    if "://" in value:
        scheme = value.partition("://")[0]
        if scheme.lower() not in ("http", "https"):
            shown = f", not {scheme}://" if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else ""
            return f"must start with http:// or https://{shown} (or give the host alone: https:// is put in front)"
        if scheme not in ("http", "https"):
            return ("must start with http:// or https:// in lower case (or give the host alone: https:// is put "
                    "in front)")
        url = value
    elif value.startswith("http"):
        return ("must start with http:// or https://: kfp.Client puts https:// in front only of a host that does "
                "not start with \"http\", and would send this one over plain http://, its token in cleartext")
    else:
        url = "https://" + value
    problem = url_problem(url, ("http", "https"))
    return problem and problem.removeprefix("is ")  # "kfp.host: not a URL (...)", as ctloop.yaml's lines read


__all__ = ["check_http_url", "url_problem", "kfp_host_problem"]
