"""The rules behind the one-line refusals of tests/unit/test_bad_inputs.py, checked against the
upstream rules they follow (issue 13): Kubernetes namespace names, MLflow model names and versions,
what a kubeconfig that is no kubeconfig says, and the train core's column checks."""

from __future__ import annotations

import argparse
import re
import warnings

import pytest

from ctloop.errors import ConfigError, CtloopError, ServingError


# k8s.io/apimachinery pkg/util/validation/validation.go (Kubernetes 1.31): IsDNS1123Label,
# dns1123LabelFmt "[a-z0-9]([-a-z0-9]*[a-z0-9])?", DNS1123LabelMaxLength 63; namespaces are checked
# with it (pkg/api/validation/generic.go ValidateNamespaceName = NameIsDNSLabel).
@pytest.mark.parametrize("name,valid", [
    ("ctloop", True), ("team-credit", True), ("1team", True), ("a" * 63, True), ("0", True), ("", True),
    ("Bad_NS", False), ("-team", False), ("team-", False), ("team.credit", False), ("a" * 64, False),
])
def test_namespaces_follow_the_dns1123_label_rule(name, valid):
    from ctloop.cli.argtypes import k8s_namespace
    from ctloop.config import KfpConfig, RolloutConfig

    for section in (RolloutConfig, KfpConfig):
        if valid:
            assert section.from_dict({"namespace": name}).namespace == name
        else:
            with pytest.raises(ConfigError, match="DNS-1123"):
                section.from_dict({"namespace": name})
    if valid:
        assert k8s_namespace(name) == name
    else:
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(f"got {name!r}")):
            k8s_namespace(name)


@pytest.mark.parametrize("name", ["credit-default", "Credit Model v2", "a/b", "a:b", "", " ", ".", "..",
                                  "../x", "x/..", "x//y", "./x", "naïve", "x" * 234])
def test_model_names_follow_mlflow(name):
    """ctloop refuses exactly the names MLflow's own rule refuses (mlflow/utils/validation.py
    ``_validate_model_name``, mlflow 3.17.2), before any store is opened."""
    from mlflow.exceptions import MlflowException
    from mlflow.utils.validation import _validate_model_name

    from ctloop.registry import check_model_name

    try:
        _validate_model_name(name)
        mlflow_ok = True
    except MlflowException:
        mlflow_ok = False
    try:
        check_model_name(name)
        ours_ok = True
    except ConfigError as exc:
        ours_ok = False
        assert repr(name) in str(exc) and "\n" not in str(exc)
    assert ours_ok == mlflow_ok


@pytest.mark.parametrize("name, said", [
    ("credit\n", "control character"), ("a\x1b[2Jb", "control character"), ("m\rm", "control character"),
    ("x" * 235, "at most 234"),  # the lock <name>.ctloop-promotion-lock must fit 256 (Postgres, MySQL)
])
def test_model_names_mlflow_takes_but_nothing_downstream_can_are_refused(name, said):
    """MLflow's rule takes a newline or a terminal escape in a name (every log and error line that
    quotes it breaks) and any length (its database holds 256 characters of a name and of the
    experiment '<name>-monitoring': a longer one failed deep in a run, after training)."""
    from ctloop.registry import check_model_name

    with pytest.raises(ConfigError, match=said) as info:
        check_model_name(name)
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value)


@pytest.mark.parametrize("text,ok", [("1", True), ("12", True), (" 7 ", True), ("0", False), ("-1", False),
                                     ("v1", False), ("latest!", False), ("1.5", False), ("", False), ("²", False)])
def test_model_versions_are_whole_numbers_from_1(text, ok):
    from ctloop.cli.argtypes import model_version

    if ok:
        assert model_version(text) == str(int(text))
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="whole number >= 1"):
            model_version(text)


def test_flags_take_the_rule_of_their_config_field():
    """--max-concurrency and --drift-share obey ScheduleConfig/MonitoringRules, written once there."""
    from ctloop.cli.argtypes import section_field
    from ctloop.config import MonitoringRules, ScheduleConfig

    concurrency = section_field(ScheduleConfig, "max_concurrency")
    assert concurrency("10") == 10
    for bad in ("0", "11", "two"):
        with pytest.raises(argparse.ArgumentTypeError, match=repr(bad)):
            concurrency(bad)
    share = section_field(MonitoringRules, "drift_share")  # float | None
    assert share("1") == 1.0
    with pytest.raises(argparse.ArgumentTypeError, match=r"\(0, 1\], got '3'"):
        share("3")


@pytest.mark.parametrize("content,why", [
    ("{ this: is: not yaml\n", "not YAML (expected ',' or '}', but got ':', line 1 column 11)"),
    ("[1, 2]\n", "not a kubeconfig"),
    ("hello\n", "not a kubeconfig"),
    ("apiVersion: v1\nclusters: 3\n", "not a kubeconfig"),
    ("", "empty"),
])
def test_a_kubeconfig_that_is_no_kubeconfig_is_one_line_naming_it(content, why, tmp_path, monkeypatch):
    from ctloop.serving.kube import load_api_client

    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)  # not in a cluster
    path = tmp_path / "kubeconfig"
    path.write_text(content)
    with pytest.raises(ServingError) as info:
        load_api_client(str(path))
    message = str(info.value)
    assert "\n" not in message and f"kubeconfig {path} failed" in message and why in message, message


# --------------------------------------------------------------------------- train core
def _frame(rows: int):
    from ctloop.synthetic import make_credit_data

    return make_credit_data(n_rows=rows, seed=3).drop(columns=["application_date"])


def test_mixed_types_in_a_text_column_name_the_column_and_the_counts():
    from ctloop.components.train.core import fit

    frame = _frame(200)
    frame["region"] = frame["region"].astype(object)
    frame.loc[frame.index[:7], "region"] = 3
    with pytest.raises(CtloopError, match=r"column 'region' breaks rule 'dtype' in 7 row\(s\): mixed types "
                                          r"\(193 text, 7 int; e.g. 3\)"):
        fit(frame, target="default")


def test_a_list_column_names_the_column_not_an_unhashable_type_error():
    """A Parquet list column (tags per row) reads as numpy arrays in an object column: was
    ``TypeError: unhashable type: 'numpy.ndarray'`` from ``id_columns``' nunique (a traceback in
    ``ctloop backtest`` and in train_model)."""
    import numpy as np

    from ctloop.components.train.core import fit

    frame = _frame(200)
    frame["tags"] = [np.array([i % 3, 2]) for i in range(len(frame))]
    with pytest.raises(CtloopError, match=r"column 'tags' breaks rule 'dtype' in 200 row\(s\): nested values "
                                          r"\(ndarray; e.g. \[0, 2\]\): a feature needs one text or number per row"):
        fit(frame, target="default")


@pytest.mark.parametrize("value", ["heavy", -1.0])
def test_a_user_column_under_the_reserved_weight_name_is_named_not_a_value_error(value):
    """A column of the data named like prepare_data's recency weights: was ``ValueError: could not
    convert string to float: 'heavy'`` (a traceback in ``ctloop backtest``), or negative weights
    passed to the estimator."""
    from ctloop.columns import WEIGHT
    from ctloop.components.train.core import fit

    frame = _frame(200)
    frame[WEIGHT] = 1.0
    frame[WEIGHT] = frame[WEIGHT].astype(object)
    frame.loc[frame.index[:3], WEIGHT] = value
    with pytest.raises(CtloopError, match=rf"column '{WEIGHT}' breaks rule 'weight' in 3 row\(s\): values like "
                                          rf"{value!r} are not sample weights"):
        fit(frame, target="default")


def test_an_id_column_warns_only_from_the_minimum_rows_on_and_is_noted_in_the_meta():
    from ctloop.components.train.core import ID_COLUMN_MIN_ROWS, fit

    small = _frame(ID_COLUMN_MIN_ROWS - 1)
    small["customer_id"] = [f"c{i}" for i in range(len(small))]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert not any("customer_id" in n for n in fit(small, target="default", estimator="logistic_regression").meta["notes"])
    big = _frame(ID_COLUMN_MIN_ROWS)
    big["customer_id"] = [f"c{i}" for i in range(len(big))]
    big.loc[big.index[0], "customer_id"] = None  # not every row has a value: not an ID by this rule
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fit(big, target="default", estimator="logistic_regression")
    big.loc[big.index[0], "customer_id"] = "c0"
    with pytest.warns(UserWarning, match="'customer_id' has a different value in every row"):
        result = fit(big, target="default", estimator="logistic_regression")
    assert any("customer_id" in n and f"({ID_COLUMN_MIN_ROWS} rows)" in n for n in result.meta["notes"])
    # the same text for another row count: shown once per caller (a backtest retrains every window)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for rows in (len(big), len(big) - 1):
            fit(big.iloc[:rows], target="default", estimator="logistic_regression")
    assert len({str(w.message) for w in caught if "an ID?" in str(w.message)}) == 1


def test_numbers_written_with_a_decimal_comma_are_noted_not_trained_silently_as_categories():
    """A spreadsheet export of '70,41' (quoted in a comma CSV) is a text column: it trained as
    3,000 categories with no word. It is noted (warning, model metadata); a code list such as
    '1,2' / '2,3' (few values) and text with a comma are not. Round 57 refused it for a while, which
    stopped every retrain; the rule is a heuristic and only notes, beside plain numbers too."""
    from ctloop.components.train.core import fit
    from ctloop.contract import COMMA_NUMBER_MIN_DISTINCT

    frame = _frame(400)
    frame["debt"] = [f"{v:,.0f}" for v in frame["income"] * 40 + 1000]  # US thousands: 12,500
    frame["income"] = [f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in
                       frame["income"] * 40]  # 12.345,67
    frame["codes"] = [f"{i % 3},{i % 2}" for i in range(len(frame))]
    frame["city"] = [f"Town {i % 30}, North" for i in range(len(frame))]
    with pytest.warns(UserWarning, match=r"column 'income' holds numbers written as text: 400 rows with a decimal "
                                         r"comma \(e\.g\. '\d{1,3}(\.\d{3})*,\d\d'\): read as text"):
        result = fit(frame, target="default", estimator="logistic_regression")
    noted = [n for n in result.meta["notes"] if "numbers written as text" in n]
    assert len(noted) == 2 and "'income'" in noted[0] and "'debt'" in noted[1]
    assert "pandas.read_csv(path, decimal=',', thousands='.')" in noted[0]
    assert "400 rows with thousands separators" in noted[1] and "read_csv(path, thousands=',')" in noted[1]
    few = frame.drop(columns="debt").assign(income=[f"{i % (COMMA_NUMBER_MIN_DISTINCT - 1)},5" for i in range(len(frame))])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert not any("written as text" in n for n in fit(few, target="default",
                                                         estimator="logistic_regression").meta["notes"])
