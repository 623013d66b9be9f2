"""``ctloop doctor``'s metrics line keeps the credentials warning when the queue-proxy's series are
also under the dotted OTLP names (round 44 review: the dotted-name warning returned first, so
"this shell sends a token, the tasks send none" — a canary analysis whose every query is refused —
was not said). Both notes are on the one line, each with its fix.

The Prometheus 3 double is the one of ``test_r44_metrics_doctor_dotted`` (``web/api/v1/api.go`` at
v3.0.0); what the tasks get is what ``Doctor._task_prometheus_auth`` reads from the cluster, set
here (no Kubernetes API runs).
"""

import pytest

from ctloop.ops.doctor import NO_TASK_CREDENTIALS, OK, WARN, Doctor, DoctorOptions, Target
from tests.ops.test_r44_metrics_doctor_dotted import REVISION, url  # noqa: F401 - the fixture

SAME_CREDENTIALS = "give the tasks the same credentials"
UNDERSCORES = "have them stored with underscores"


def _line(prometheus_url, monkeypatch, tasks):
    for var in (
        "PROMETHEUS_TOKEN_FILE",
        "PROMETHEUS_USERNAME",
        "PROMETHEUS_PASSWORD",
        "PROMETHEUS_CA_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PROMETHEUS_TOKEN", "shell-token")
    monkeypatch.setattr(Doctor, "_task_prometheus_auth", lambda self, prefix="PROMETHEUS": tasks)
    monkeypatch.setattr(Doctor, "_runner", lambda self: ("kubeflow", "pipeline-runner"))
    target = Target("credit-default", "ml")
    doctor = Doctor(
        DoctorOptions(prometheus_url=prometheus_url, metric_source="knative-otel", targets=[target])
    )
    doctor.revisions[("ml", "credit-default")] = REVISION
    return doctor.check_metrics(target)


def test_tasks_without_credentials_are_warned_of_with_dotted_names_too(url, monkeypatch):  # noqa: F811
    prometheus_url, underscores = url
    check = _line(prometheus_url, monkeypatch, NO_TASK_CREDENTIALS)
    line = check.line()
    assert check.status == WARN, line
    assert "from this shell's environment" in line
    assert f"the tasks in kubeflow get {NO_TASK_CREDENTIALS}" in line
    assert SAME_CREDENTIALS in line
    if underscores:
        assert "dotted" not in line and UNDERSCORES not in line
    else:  # the dotted-name note and its fix are kept beside it
        assert "http.server.request.duration_seconds_count" in line and "recording rules" in line
        assert UNDERSCORES in line
        assert line.index(SAME_CREDENTIALS) > line.index(" — fix: ")


@pytest.mark.parametrize(
    "tasks", ["token file /var/run/secrets/prometheus/token"], ids=["tasks-token"]
)
def test_tasks_with_credentials_say_what_each_sends(url, monkeypatch, tasks):  # noqa: F811
    prometheus_url, underscores = url
    check = _line(prometheus_url, monkeypatch, tasks)
    line = check.line()
    assert SAME_CREDENTIALS not in line
    assert f"the tasks in kubeflow get {tasks}" in line
    assert check.status == (OK if underscores else WARN), line
    if not underscores:
        assert UNDERSCORES in line
