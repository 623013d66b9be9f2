"""Round 49 (review M): ``ctloop approve`` refuses a ``--reason``/``--by`` the kubelet would rewrite.

The rollout run of an approval carries ``reason`` ("approved by <by>: <reason>") as a parameter,
which reaches the rollout task in its container's arguments (kubeflow/pipelines 2.17.0
``backend/src/v2/driver``), and the kubelet expands those (Kubernetes
``third_party/forked/golang/expansion``): ``$$`` becomes ``$`` and ``$(NAME)`` of a variable the
container defines (:func:`ctloop.ops.settings.task_env_names`) its value. ``--reason 'see
$(AWS_SECRET_ACCESS_KEY)'`` started a run whose task recorded the secret in the audit trail. Now
one line names the flag, exit 2, before the approval is recorded (the version stays pending)."""

from __future__ import annotations

import pytest

from ctloop import approval
from ctloop.ops.params import defined_variable
from ctloop.ops.settings import task_env_names
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix41e_approve_astral import _approve, _state
from tests.ops.test_r39_kfp_approve_experiment import _apply
from tests.ops.test_r39_kfp_approve_experiment import registry as registry  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize(("flag", "text", "said"), [
    ("reason", "see $(AWS_SECRET_ACCESS_KEY)", "'$(AWS_SECRET_ACCESS_KEY)'"),
    ("by", "bob $$", "'$$'"),
])
def test_a_text_the_kubelet_rewrites_is_refused_before_the_approval_is_recorded(
        monkeypatch, tmp_path, registry, sqlite_tracking, capsys, flag, text, said):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _apply(kfp)
        capsys.readouterr()
        assert _approve(kfp, sqlite_tracking, **{flag: text}) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert err.startswith(f"error: --{flag}: character") and said in err and "nothing was recorded" in err, err
        assert _state(registry) == approval.PENDING
        assert not kfp.state.runs


def test_tracking_uri_takes_the_settings_tracking_uri_only():
    defined = task_env_names()
    assert "MLFLOW_TRACKING_URI" in defined
    assert defined_variable("$(MLFLOW_TRACKING_URI)", "tracking_uri", defined) == ""
    for uri in ("$(AWS_SECRET_ACCESS_KEY)", "sqlite:////mnt/$(KFP_POD_NAME).db", "$(MLFLOW_TRACKING_TOKEN)",
                "http://u:$(MLFLOW_TRACKING_PASSWORD)@mlflow:5000"):
        assert "the task would receive its value" in defined_variable(uri, "tracking_uri", defined), uri
        assert defined_variable({"tracking_uri": uri}, "training_parameters", defined), uri


def test_every_variable_a_compiled_task_defines_is_known():
    """The names the compiled pipelines' task containers get (the golden compiled pipelines, which
    the golden tests keep equal to what the compiler writes: their env and the Kubernetes platform
    spec's ConfigMap/Secret/field-path env) are all in task_env_names(): a $(NAME) of any other is
    left as written by the kubelet, of these it is expanded."""
    from pathlib import Path

    import yaml

    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("env"), list):
                found.update(e["name"] for e in node["env"] if isinstance(e, dict) and "name" in e)
            if "envVar" in node:
                found.add(node["envVar"])
            if "fieldPath" in node and "name" in node:
                found.add(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    golden = sorted((Path(__file__).resolve().parents[1] / "golden" / "pipelines").glob("*.yaml"))
    assert len(golden) == 4
    for path in golden:
        for doc in yaml.load_all(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            walk(doc)
    assert {"CTLOOP_COMPILED_VERSION", "OMP_NUM_THREADS", "MLFLOW_TRACKING_URI"} <= found
    assert found <= task_env_names(), sorted(found - task_env_names())


def test_the_tracking_uri_is_named_by_its_flag():
    from argparse import Namespace

    from ctloop.cli.approval import _check_run
    from ctloop.errors import ConfigError

    args = Namespace(model_name="credit", tracking_uri="sqlite:////mnt/a$$b.db", by="alice")
    with pytest.raises(ConfigError, match=r"^--tracking-uri: character 17 starts '\$\$'.*nothing was recorded"):
        _check_run(args, "2", "alice", "ok", {}, recorded=False)
