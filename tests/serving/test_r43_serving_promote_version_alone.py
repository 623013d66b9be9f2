"""``ctloop rollout promote --version N`` without ``--model-name``: the help promises "also make
this version the registry champion", but the handler only does that with both, so it promoted
the canary to 100 % in the cluster, printed "promoted", and left the registry champion where it
was — the version asked for silently dropped. Now refused before the cluster is asked: one line
naming --version and --model-name, exit code 2, nothing written.

Through KubeApiDouble (tests/doubles/kube_api.py)."""

from __future__ import annotations

from ctloop.cli import main
from tests.doubles.kube_api import KubeApiDouble, with_canary, write_kubeconfig

NS, NAME = "ml", "credit-default"
V1, V2 = (f"gs://models/run{i}/artifacts/model-joblib" for i in (1, 2))


def test_promote_with_a_version_and_no_model_name_is_refused(tmp_path, monkeypatch, capsys):
    from ctloop.serving.kube import InferenceServices

    with KubeApiDouble(ready_after_reads=1) as kube:
        isvcs = InferenceServices(NS, api_client=kube.api_client())
        with_canary(isvcs, NAME, V1, V2)
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
        before = len([c for c in kube.calls if c[0] == "PATCH"])
        code = main(["rollout", "promote", "--isvc", NAME, "--namespace", NS, "--version", "2"])
        err = capsys.readouterr().err.strip()
        assert code == 2, err
        assert "--version" in err and "--model-name" in err and "\n" not in err, err
        assert len([c for c in kube.calls if c[0] == "PATCH"]) == before  # nothing written
        assert isvcs.get(NAME)["spec"]["predictor"]["canaryTrafficPercent"] == 10
