"""``ctloop doctor --tracking-uri http://user:password@host`` (review E of round 38): the health probe
went to urllib with the userinfo in the netloc, which took ``user:password@host`` for a host name
("Name or service not known" against a running server), and the lines printed the URI whole,
password included. The probe now goes to the host alone, sends the userinfo as basic auth (what
the tasks' requests-based client does: requests 2.33 ``PreparedRequest.prepare_auth``), and the
lines show ``user:***@``."""

from __future__ import annotations

from tests.ops.test_doctor import cluster, secret  # noqa: F401 - fixtures


def test_a_tracking_uri_with_userinfo_is_probed_at_its_host_and_never_printed(cluster, capsys, mlflow_url):  # noqa: F811
    with_user = mlflow_url.replace("http://", "http://admin:hunter2@")
    code, lines, out = cluster.run(capsys, "--tracking-uri", with_user, "--timeout", "60")
    shown = mlflow_url.replace("http://", "http://admin:***@")
    assert lines["MLflow"] == f"ok   MLflow {shown} (health ok, search ok)", out
    assert "hunter2" not in out


def test_a_refused_search_names_the_uri_without_its_password(cluster, capsys):  # noqa: F811
    code, lines, out = cluster.run(capsys, "--tracking-uri", "http://admin:hunter2@127.0.0.1:1", "--timeout", "5")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow")
    assert "hunter2" not in out
