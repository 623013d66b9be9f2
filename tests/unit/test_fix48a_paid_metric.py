"""Whether a retrain paid, with a gate on another metric than the realized rules judge: the gate
records its paired comparison under its own primary metric only (``mae.delta``/``mae.ci_low``,
evaluate's ``metric_values``), the rules judged ``rmse`` (the task's default ``monitoring.metric``)
and read ``rmse.delta``/``rmse.ci_low``, which no gate recorded: every retrain read "not paid" — a
recovery ended one window after the gate said "mae delta +1.6406 (CI +1.0100..+2.1781)", in the
backtest and in ``monitor_model`` alike. :func:`ctloop.monitoring.policy.paid` now reads the
comparison the gate recorded."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop.components.register.core import registration_tags
from ctloop.monitoring import champion, policy

TRIGGERED, REPLACED, KEPT = {"champion_version": "1"}, {"champion_version": "2"}, {"champion_version": "1"}
MAE_GATE = {"mae": 7.78, "rmse": 40.1, "mse": 1608.0, "mae.delta": 1.6406, "mae.ci_low": 1.01}


@pytest.mark.parametrize("metric", ["rmse", "mae"])
def test_a_retrain_gated_on_mae_pays_for_rules_on_either_metric(metric):
    assert policy.paid(TRIGGERED, REPLACED, MAE_GATE, metric)
    assert policy.paid(TRIGGERED, REPLACED, MAE_GATE, metric, confident=True)
    assert not policy.paid(TRIGGERED, KEPT, MAE_GATE, metric)  # not replaced: never paid


def test_the_judged_metric_s_own_comparison_wins_and_a_worse_one_does_not_pay():
    both = {"rmse.delta": -0.5, "rmse.ci_low": -0.9, "mae.delta": 1.6, "mae.ci_low": 1.0}
    assert not policy.paid(TRIGGERED, REPLACED, both, "rmse")  # its own comparison, when recorded
    assert policy.paid(TRIGGERED, REPLACED, both, "mae", confident=True)
    worse = {"mae.delta": 0.4, "mae.ci_low": -0.2}
    assert policy.paid(TRIGGERED, REPLACED, worse, "rmse")
    assert not policy.paid(TRIGGERED, REPLACED, worse, "rmse", confident=True)
    assert not policy.paid(TRIGGERED, REPLACED, {"mae.delta": 1.6}, "rmse", confident=True)  # no CI recorded
    assert not policy.paid(TRIGGERED, REPLACED, None, "rmse")


def test_monitoring_reads_the_registered_gate_of_a_champion_gated_on_mae():
    # the production chain: evaluate's metric_values -> registration tags -> champion.load -> policy.paid
    gate = {"challenger.mae": 7.78, "challenger.rmse": 40.1, "challenger.mse": 1608.0, "mae.challenger": 7.78,
            "mae.champion": 9.42, "mae.delta": 1.6406, "mae.ci_low": 1.01, "mae.ci_high": 2.1781, "approved": 1}
    tags = registration_tags(meta={"task": "regression"}, gate_metrics=gate, gate_reason="", dataset_digest="d",
                             pipeline_run_id="r", pipeline_run_name="n", code_version="c")

    class RegistryDouble:  # the two calls champion.load makes of ctloop.registry.Registry without a reference
        def champion(self, model_name):
            return SimpleNamespace(version="2", tags=tags)

        def load_meta(self, model_name, version):
            return {"task": "regression", "features": ["f0"]}

    found = champion.load(RegistryDouble(), "m", with_reference=False)
    assert policy.paid(TRIGGERED, REPLACED, found.gate_metrics, "rmse", confident=True)


def test_the_metric_is_chosen_once_and_never_mixed_between_statistics():
    # the judged metric's delta recorded, its CI not, another metric's CI present (hand-made tags):
    # the confident read is rmse.ci_low (absent: not confident), never mae's bound
    mixed = {"rmse.delta": 0.5, "mae.ci_low": 0.3}
    assert policy.paid(TRIGGERED, REPLACED, mixed, "rmse")
    assert not policy.paid(TRIGGERED, REPLACED, mixed, "rmse", confident=True)
    # no judged delta, one other metric's delta: both statistics are that metric's
    other = {"mae.delta": 0.4, "rmse.ci_low": 0.3, "mae.ci_low": -0.1}
    assert not policy.paid(TRIGGERED, REPLACED, other, "rmse", confident=True)
    # two other deltas: no single comparison to fall back on
    two = {"roc_auc.delta": 0.02, "roc_auc.ci_low": 0.01, "accuracy.delta": 0.01}
    assert not policy.paid(TRIGGERED, REPLACED, two, "log_loss")
    assert not policy.paid(TRIGGERED, REPLACED, two, "log_loss", confident=True)
