"""A namespace or revision of the canary queries that is no UTF-8 text (bytes of another
encoding arrive in argv as lone surrogates, PEP 383) raised UnicodeEncodeError from urllib's
urlencode: a traceback from ``python -m ctloop.serving.metric_sources probe``, and from the
analysis. Now one ConfigError naming the field and the value."""

import pytest

from ctloop.errors import ConfigError
from ctloop.serving import metric_sources
from ctloop.serving.metric_sources import Prometheus, get_source
from tests.fixtures.servers import dead_port

URL = f"http://127.0.0.1:{dead_port()}"


@pytest.mark.parametrize("field", ["namespace", "revision"])
def test_a_name_that_is_no_utf8_is_one_config_error(field):
    prom = Prometheus(URL, timeout_s=1)
    args = {"namespace": "ml", "revision": "credit-predictor-00002", field: "ml\udcff"}
    for source in metric_sources.SOURCES:
        with pytest.raises(ConfigError, match=rf"{field} 'ml\\udcff' is no UTF-8 text"):
            get_source(source).stats(prom, args["revision"], args["namespace"], "5m")
        with pytest.raises(ConfigError, match=rf"{field} 'ml\\udcff' is no UTF-8 text"):
            get_source(source).series_exist(prom, args["revision"], args["namespace"])


def test_the_probe_cli_says_so_in_one_line(capsys):
    code = metric_sources.main(["probe", "--prometheus-url", URL, "--namespace", "ml\udcff"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "namespace 'ml\\udcff' is no UTF-8 text" in err, err

