"""A gateway in front of KFP answering a call mid-command with its HTML error page.

An ingress-nginx / Istio gateway answers ``502 Bad Gateway`` (or 503/504) with an HTML page while
the KFP API server restarts. The one-line error quoted the page's markup
(``(<html> <head><title>502 Bad Gateway</title></head> <body> <center>...``); it now names the
page by its title.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

NGINX_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
             "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


class Gateway502(KfpApiDouble):
    broken = False

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def do_GET(self):
                if double.broken and "/runs" in self.path:
                    return self._raw(502, "text/html", NGINX_502)
                return super().do_GET()

        return Handler


def test_an_html_error_page_is_named_by_its_title(monkeypatch, tmp_path):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    with Gateway502() as kfp:
        platform = Platform(host=kfp.url)
        experiment_id = platform.ensure_experiment("ctloop")
        kfp.broken = True
        with pytest.raises(PlatformError) as caught:
            platform.recent_runs(experiment_id)
    line = str(caught.value)
    assert "HTTP 502 (502 Bad Gateway)" in line and "<" not in line, line
    assert "check the API server" in line, line
