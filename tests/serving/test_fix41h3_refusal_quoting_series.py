"""A 422 execution error that quotes series counted as "the back end does not know this query".

``refused_as_unknown`` took any 400/422 whose text held ``__name__`` or ``{"`` for a query the back end
cannot parse (a quoted dotted name before Prometheus 3). But a query it parsed and could not run
quotes series too: the revision join's many-to-many error (Prometheus ``promql/engine.go``
``VectorBinop``: "found duplicate series for the match group %s on the %s hand-side of the
operation: [%s, %s];many-to-many matching not allowed: matching labels must be unique on one side",
the series printed as ``{__name__="target_info", …}``; HTTP 422 ``execution``, v2.42.0
``web/api/v1/api.go``). On the stable's native p99 that was "no data": the 2× stable rule was
skipped. Now only a parse error or an unknown function is no data; this one is an error of the check.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from tests.serving.test_fix41f_refused_is_not_no_data import PARSE, UNKNOWN, _backend, _check

MANY_TO_MANY = {
    "status": "error", "errorType": "execution",
    "error": 'found duplicate series for the match group {instance="10.0.0.7:9091", job="ml/ctloop-inferenceservices", '
             'pod="credit-predictor-00001-deployment-a"} on the right hand-side of the operation: '
             '[{__name__="target_info", instance="10.0.0.7:9091", job="ml/ctloop-inferenceservices", '
             'kn_revision_name="credit-predictor-00001", pod="credit-predictor-00001-deployment-a"}, '
             '{__name__="target_info", instance="10.0.0.7:9091", job="ml/ctloop-inferenceservices", '
             'kn_revision_name="credit-predictor-00001", pod="credit-predictor-00001-deployment-a", '
             'service_version="2"}];many-to-many matching not allowed: matching labels must be unique on one side'}


def test_a_join_that_failed_to_execute_is_an_error_not_no_data():
    with _backend((422, MANY_TO_MANY)) as backend:
        with pytest.raises(ServingError, match="HTTP 422.*duplicate series"):
            _check(backend)(5)


QUOTED_PARSE = {"status": "error", "errorType": "bad_data",
                "error": '1:32: parse error: unexpected character inside braces: \'"\''}


@pytest.mark.parametrize("refusal", [(422, UNKNOWN), (400, PARSE), (400, QUOTED_PARSE)],
                         ids=["unknown-func", "parse-error", "quoted-name"])
def test_what_the_back_end_cannot_parse_or_does_not_know_is_still_no_data(refusal):
    with _backend(refusal) as backend:
        passed, why, measured = _check(backend)(5)
        assert passed and measured["stable_p99_seconds"] is None, why
