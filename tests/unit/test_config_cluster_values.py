"""Values the cluster refuses long after `ctloop apply` said "valid": hyperparameters the estimator
does not take or whose value it refuses (found at the first training run, in the cluster),
tolerations and node selectors Kubernetes refuses (the pod is never created), and repetition
counts that never finish. Each is one line naming the field at validation time.

Kubernetes' rules are those of ``ValidateTolerations`` and ``ValidateNodeSelector`` in
kubernetes v1.31 ``pkg/apis/core/validation/validation.go`` (label keys: ``IsQualifiedName``,
values: ``IsValidLabelValue`` in ``staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go``)."""

from __future__ import annotations

import pytest

from ctloop import config as C
from ctloop.cli import main
from ctloop.errors import ConfigError
from tests.helpers import REPO


def _problem(section, data):
    with pytest.raises(ConfigError) as info:
        section.from_dict(data)
    text = str(info.value)
    assert "\n" not in text, text  # one problem, one line
    return text


@pytest.mark.parametrize("data,message", [
    # a misspelt key: sklearn's TypeError at the first training run
    ({"hyperparameters": {"max_itr": 300}},
     "training.hyperparameters.max_itr: not a parameter of HistGradientBoostingClassifier; did you mean 'max_iter'?"),
    ({"estimator": "random_forest", "hyperparameters": {"n_estimator": 50}},
     "training.hyperparameters.n_estimator: not a parameter of RandomForestClassifier; did you mean 'n_estimators'?"),
    ({"estimator": "xgboost", "hyperparameters": {"n_estimator": 50}},
     "training.hyperparameters.n_estimator: not a parameter of XGBClassifier; did you mean 'n_estimators'?"),
    # a value scikit-learn's parameter constraints refuse (at fit, in the cluster)
    ({"hyperparameters": {"max_iter": -3}},
     "training.hyperparameters.max_iter: The 'max_iter' parameter of HistGradientBoostingClassifier must be"),
    ({"hyperparameters": {"learning_rate": "fast"}},
     "training.hyperparameters.learning_rate: The 'learning_rate' parameter"),
    ({"task": "regression", "estimator": "random_forest", "hyperparameters": {"criterion": "gini"}},
     "training.hyperparameters.criterion: The 'criterion' parameter of RandomForestRegressor must be"),
])
def test_hyperparameters_the_estimator_refuses_are_found_at_validation(data, message):
    assert message in _problem(C.TrainingConfig, data)


@pytest.mark.parametrize("data", [
    {"hyperparameters": {"max_iter": 300, "learning_rate": 0.05}},
    {"hyperparameters": {"max_iter": 300.0}},  # YAML/JSON floats for ints are restored (estimators._restore_ints)
    {"estimator": "xgboost", "hyperparameters": {"n_estimators": 50, "max_depth": 4}},
    {"estimator": "lightgbm", "hyperparameters": {"num_leaves": 15}},
    {"estimator": "logistic_regression", "hyperparameters": {"C": 0.5}},
    {"estimator": "sklearn.linear_model:SGDClassifier", "hyperparameters": {"loss": "log_loss"}},
])
def test_good_hyperparameters_pass(data):
    C.TrainingConfig.from_dict(data)


@pytest.mark.parametrize("toleration,message", [
    ({"key": "ml", "operator": "Maybe"},
     "platform.tolerations[0].operator: must be one of 'Equal', 'Exists', got 'Maybe'"),
    ({"key": "ml", "operator": "exists"}, "did you mean 'Exists'?"),
    ({"operator": "Equal", "value": "x"}, "platform.tolerations[0].operator: must be Exists when key is empty"),
    ({"key": "ml", "operator": "Exists", "value": "gpu"},
     "platform.tolerations[0].value: must be empty when operator is Exists"),
    ({"key": "ml", "value": "a b"}, "platform.tolerations[0].value: not a Kubernetes label value"),
    ({"key": "ml/", "operator": "Exists"}, "platform.tolerations[0].key: not a Kubernetes label key"),
    ({"key": "ml", "operator": "Exists", "effect": "NoSchedul"},
     "platform.tolerations[0].effect: must be one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'"),
    ({"key": "ml", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 60},
     "platform.tolerations[0].tolerationSeconds: needs effect NoExecute"),
    ({"key": "ml", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": "1m"},
     "platform.tolerations[0].tolerationSeconds: must be a whole number of seconds"),
    ({"key": "ml", "operator": "Exists", "Effect": "NoSchedule"},  # silently dropped before
     "platform.tolerations[0].Effect: not a toleration field; did you mean 'effect'?"),
    ({"key": 7, "operator": "Exists"}, "platform.tolerations[0].key: expected text, got 7"),
])
def test_tolerations_kubernetes_refuses_are_found_at_validation(toleration, message):
    assert message in _problem(C.PlatformConfig, {"tolerations": [toleration]})


@pytest.mark.parametrize("toleration", [
    {"key": "ml", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
    {"key": "ml", "value": "yes"},  # no operator means Equal
    {"operator": "Exists"},  # tolerate every taint
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
])
def test_tolerations_kubernetes_accepts_pass(toleration):
    C.PlatformConfig.from_dict({"tolerations": [toleration]})


@pytest.mark.parametrize("selector,message", [
    ({"pool": "ml pool"}, "platform.node_selector.pool: not a Kubernetes label value (at most 63"),
    ({"-pool": "ml"}, "platform.node_selector.-pool: not a Kubernetes label key"),
    ({"a" * 64: "ml"}, "not a Kubernetes label key"),
])
def test_node_selectors_kubernetes_refuses_are_found_at_validation(selector, message):
    assert message in _problem(C.PlatformConfig, {"node_selector": selector})


def test_node_selectors_kubernetes_accepts_pass():
    C.PlatformConfig.from_dict({"node_selector": {"cloud.google.com/gke-nodepool": "ml-pool_1", "pool": ""}})


@pytest.mark.parametrize("section,data,message", [
    (C.GateConfig, {"bootstrap_rounds": 10**23}, "gate.bootstrap_rounds: must be in [1, 1000000]"),
    (C.TrainingConfig, {"search_iterations": 10**9}, "training.search_iterations: must be in [0, 10000]"),
])
def test_repetitions_that_never_finish_are_refused(section, data, message):
    assert message in _problem(section, data)


def test_apply_dry_run_refuses_them_before_anything(tmp_path, capsys):
    """The whole spec path: `ctloop apply --dry-run` on the example with a misspelt hyperparameter and
    a toleration Kubernetes refuses: exit 2, each problem on its own line, nothing contacted. In
    process (``ctloop.cli.main``, what ``python -m ctloop`` runs); the exit status and stderr of a real
    ``ctloop apply`` refusing its file: tests/unit/test_bad_inputs.py."""
    text = (REPO / "examples" / "ctloop.yaml").read_text()
    text = text.replace("{max_iter: 300, learning_rate: 0.05}", "{max_itr: 300}")
    text = text.replace("  # tolerations: [{key: ml, operator: Exists, effect: NoSchedule}]",
                        "  tolerations: [{key: ml, operator: Maybe}]")
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(text)
    code = main(["apply", "-f", str(spec), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "models[0].training.hyperparameters.max_itr: not a parameter of HistGradientBoostingClassifier; " \
           "did you mean 'max_iter'?" in err
    assert "platform.tolerations[0].operator: must be one of 'Equal', 'Exists', got 'Maybe'" in err
    assert "cannot reach KFP" not in err


@pytest.mark.parametrize("section,data,message", [
    (C.DataConfig, {"uri": "gs://", "target": "y", "time_column": "t"}, "data.uri: 'gs://' names no bucket"),
    (C.DataConfig, {"uri": "hdfs://nn/x.parquet", "target": "y", "time_column": "t"},
     "data.uri: unsupported storage scheme 'hdfs://'"),
    (C.DataConfig, {"uri": "gs://credit data/x.parquet", "target": "y", "time_column": "t"},
     "data.uri: bucket 'credit data' holds characters no bucket name has"),
    (C.DataConfig, {"uri": "az://Container/x.parquet", "target": "y", "time_column": "t"},
     "data.uri: container 'Container' holds characters no container name has"),
    (C.MonitoringConfig, {"log_root": "s3:///log"}, "monitoring.log_root: 's3:///log' names no bucket"),
    (C.RolloutConfig, {"labels_root": "gcs://labels"}, "rollout.labels_root: unsupported storage scheme 'gcs://'"),
    (C.ScoringConfig, {"data": "a.parquet", "output": "ftp://host/out"}, "scoring.output: unsupported storage"),
])
def test_storage_locations_no_backend_reads_are_found_at_validation(section, data, message):
    """Found by the first run in the cluster before (prepare_data's "unsupported storage scheme"), or
    by the object store's own refusal of a bucket name."""
    assert message in _problem(section, data)


@pytest.mark.parametrize("uri", ["gs://my-bucket/a.parquet", "s3://Legacy_Bucket.1/x/", "az://container-1/p",
                                 "abfss://c@account.dfs.core.windows.net/p", "az://$web/site/x.csv", "/data/x.csv", "file:///data/x.csv",
                                 "data/*.parquet"])
def test_storage_locations_a_backend_reads_pass(uri):
    C.DataConfig.from_dict({"uri": uri, "target": "y", "time_column": "t"})


@pytest.mark.parametrize("host,message", [
    ("ftp://kfp.example.com", "kfp.host: must start with http:// or https://, not ftp://"),  # was https://ftp://…
    ("https://", "kfp.host: names no host"),
    ("https://kfp.example.com:port/pipeline", "kfp.host: not a URL"),
    ("https://kfp example.com", "kfp.host: must be an http(s) URL without spaces"),
])
def test_a_kfp_host_no_client_can_reach_is_found_at_validation(host, message):
    assert message in _problem(C.KfpConfig, {"host": host})


@pytest.mark.parametrize("host", ["https://kfp.example.com/pipeline", "http://localhost:8080", "kfp.example.com",
                                  "http://[::1]:8888"])
def test_a_kfp_host_a_client_reaches_passes(host):
    C.KfpConfig.from_dict({"host": host})


def test_a_refused_location_is_shown_without_its_secret(tmp_path, capsys):
    """The spec's "got <value>" and `ctloop run --data` quoted a SAS URL whole, signature and all."""
    from tests.helpers import cli_exit

    sas = "https://acct.blob.core.windows.net/c/labels.csv?sv=2022-11-02&sig=S3CRETsig"
    message = _problem(C.DataConfig, {"uri": sas, "target": "y", "time_column": "t"})
    assert "S3CRETsig" not in message and "labels.csv?***" in message, message
    assert cli_exit(["run", "--local", "--workdir", str(tmp_path), "--data", sas, "--param", "model_name=m"]) == 2
    err = capsys.readouterr().err
    assert "S3CRETsig" not in err and "labels.csv?***" in err, err


@pytest.mark.parametrize("uri", ["az:/c/x.csv?sv=1&sig=S3CRETsig", " https://a.blob.core.windows.net/c/x.csv?sig=S3CRETsig",
                                 "https://S3CRETsig@host.example/x.csv"])
def test_a_mistyped_location_is_shown_without_its_secret(uri, tmp_path, capsys):
    """The URI-typo refusals quoted a SAS signature (review), and a token as the user name was kept."""
    from ctloop import storage
    from tests.helpers import cli_exit

    if uri.startswith("az:/"):
        message = _problem(C.DataConfig, {"uri": uri, "target": "y", "time_column": "t"})
        assert "S3CRETsig" not in message, message
        with pytest.raises(ConfigError) as err:
            storage.read_bytes(uri)
        assert "S3CRETsig" not in str(err.value), err.value
    assert "S3CRETsig" not in storage._without_secrets(uri.strip())
    assert cli_exit(["run", "--local", "--workdir", str(tmp_path), "--data", uri, "--param", "model_name=m"]) == 2
    assert "S3CRETsig" not in capsys.readouterr().err


def test_masking_keeps_what_is_no_secret():
    """An abfss container is written where a user name would be (review: masked, so the suggested
    fix was unusable); a typo's suggestion keeps a '#' of the key (it pointed at another key)."""
    from ctloop import storage

    uri = "abfss://ctloop-data@acct.dfs.core.windows.net/k.csv"
    assert storage._without_secrets(uri) == uri
    with pytest.raises(ConfigError, match=r"write 's3://b/a#1\.csv'"):
        storage.scheme("s3:/b/a#1.csv")
