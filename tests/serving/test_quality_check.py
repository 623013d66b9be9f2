"""Canary model quality from logged traffic (and labels when they exist)."""

import numpy as np
import pandas as pd

from ctloop.serving.analysis import QualityRules, psi, quality_check


def traffic(n, revision, rng, *, auc_noise, shift=0.0):
    y = rng.integers(0, 2, n)
    score = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(shift, auc_noise, n), 0, 1)
    ids = [f"{revision}-{i}" for i in range(n)]
    logs = pd.DataFrame({"request_id": ids, "revision": revision, "model": "m", "prediction_1": score,
                         "time": "2026-01-01T00:00:00+00:00"})
    labels = pd.DataFrame({"request_id": ids, "label": y, "label_time": "1"})
    return logs, labels


def test_psi_is_zero_for_the_same_distribution_and_grows_with_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=5000)
    assert psi(a, rng.normal(size=5000)) < 0.02
    assert psi(a, rng.normal(1.0, 1, 5000)) > 0.5


def test_labelled_canary_with_worse_auc_fails():
    rng = np.random.default_rng(1)
    sl, sy = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, cy = traffic(1000, "canary", rng, auc_noise=0.6)
    ok, reason, measured = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                         stable_revision="stable")
    assert not ok and "below stable" in reason and measured["stable_auc"] - measured["canary_auc"] > 0.05


def test_labelled_canary_as_good_passes():
    rng = np.random.default_rng(2)
    sl, sy = traffic(1000, "stable", rng, auc_noise=0.3)
    cl, cy = traffic(1000, "canary", rng, auc_noise=0.3)
    ok, reason, _ = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                  stable_revision="stable")
    assert ok, reason


def test_without_labels_a_shifted_score_distribution_fails():
    rng = np.random.default_rng(3)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    same, _ = traffic(1000, "canary", rng, auc_noise=0.2)
    shifted, _ = traffic(1000, "canary", rng, auc_noise=0.2, shift=0.3)
    assert quality_check(pd.concat([sl, same]), None, canary_revision="canary", stable_revision="stable")[0]
    ok, reason, measured = quality_check(pd.concat([sl, shifted]), None, canary_revision="canary", stable_revision="stable")
    assert not ok and "PSI" in reason and measured["score_psi"] > 0.2


def test_too_little_traffic_is_a_failed_check():
    rng = np.random.default_rng(4)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, _ = traffic(20, "canary", rng, auc_noise=0.2)
    ok, reason, _ = quality_check(pd.concat([sl, cl]), None, canary_revision="canary", stable_revision="stable",
                                  rules=QualityRules())
    assert not ok and "too little" in reason


def test_one_nan_stable_score_does_not_hide_a_shifted_canary():
    """np.quantile over a NaN gives NaN bin edges: the PSI collapsed to ~0 and the canary passed."""
    rng = np.random.default_rng(5)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    shifted, _ = traffic(1000, "canary", rng, auc_noise=0.2, shift=0.3)
    sl.loc[sl.index[0], "prediction_1"] = np.nan
    ok, reason, measured = quality_check(pd.concat([sl, shifted]), None, canary_revision="canary",
                                         stable_revision="stable")
    assert not ok and "PSI" in reason and measured["score_psi"] > 0.2
    assert "1 missing 'prediction_1' scores left out" in reason and measured["stable_nan_scores"] == 1
    assert psi([0.1, np.nan, 0.3, 0.5] * 50, [0.9] * 200) > 1


def test_failed_requests_are_excluded_and_counted():
    rng = np.random.default_rng(6)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, _ = traffic(1000, "canary", rng, auc_noise=0.2)
    cl["has_response"] = True
    cl.loc[cl.index[:300], "has_response"] = False
    cl.loc[cl.index[:300], "prediction_1"] = np.nan  # failed requests have no prediction
    ok, reason, measured = quality_check(pd.concat([sl, cl]), None, canary_revision="canary", stable_revision="stable")
    assert ok, reason
    assert measured["canary_failed"] == 300 and measured["canary_rows"] == 700
    assert "canary: 300 failed requests and 0 missing" in reason


def versioned(logs, version):
    return logs.assign(model_version=version)


def test_canary_and_stable_are_told_apart_by_model_version():
    """Both versions logged under one revision name (e.g. revision = v<version> unknown): the
    version column decides, not the revision."""
    rng = np.random.default_rng(7)
    sl, _ = traffic(1000, "credit-predictor-00001", rng, auc_noise=0.2)
    shifted, _ = traffic(1000, "credit-predictor-00001", rng, auc_noise=0.2, shift=0.3)
    logs = pd.concat([versioned(sl, "3"), versioned(shifted, "4")])
    ok, reason, measured = quality_check(logs, None, canary_revision="credit-predictor-00002",
                                         stable_revision="credit-predictor-00001", canary_version="4",
                                         stable_version="3")
    assert not ok and "PSI" in reason and measured["selected_by"] == "model_version"


def test_no_canary_rows_for_the_version_is_a_clear_failure():
    rng = np.random.default_rng(8)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, _ = traffic(1000, "canary", rng, auc_noise=0.2)
    logs = pd.concat([versioned(sl, "3"), versioned(cl, "3")])  # the canary never served version 4
    ok, reason, _ = quality_check(logs, None, canary_revision="canary", stable_revision="stable", canary_version="4",
                                  stable_version="3")
    assert not ok and "no logged canary traffic for version 4" in reason
    ok, reason, _ = quality_check(sl, None, canary_revision="canary", stable_revision="stable")
    assert not ok and "no logged canary traffic for revision canary" in reason


def test_older_logs_without_model_version_fall_back_to_revision():
    rng = np.random.default_rng(9)
    sl, _ = traffic(1000, "stable", rng, auc_noise=0.2)
    shifted, _ = traffic(1000, "canary", rng, auc_noise=0.2, shift=0.3)
    ok, reason, measured = quality_check(pd.concat([sl, shifted]), None, canary_revision="canary",
                                         stable_revision="stable", canary_version="4", stable_version="3")
    assert not ok and measured["selected_by"] == "revision"
    empty_versions = pd.concat([versioned(sl, ""), versioned(shifted, "")])
    assert quality_check(empty_versions, None, canary_revision="canary", stable_revision="stable",
                         canary_version="4", stable_version="3")[2]["selected_by"] == "revision"


def test_labels_by_business_key_from_numbers():
    rng = np.random.default_rng(10)
    sl, sy = traffic(1000, "stable", rng, auc_noise=0.2)
    cl, cy = traffic(1000, "canary", rng, auc_noise=0.6)
    logs = pd.concat([sl, cl], ignore_index=True)
    logs["meta_x_order_id"] = [str(70000 + i) for i in range(len(logs))]
    labels = pd.DataFrame({"meta_x_order_id": range(70000, 70000 + len(logs)),
                           "label": pd.concat([sy, cy], ignore_index=True)["label"], "label_time": "1"})
    ok, reason, measured = quality_check(logs, labels, canary_revision="canary", stable_revision="stable")
    assert not ok and "below stable" in reason and measured["canary_labelled"] == 1000


def multiclass_traffic(n, revision, rng, *, sharp, bias=None):
    """Three classes named by text; ``sharp`` = how much the true class's probability stands out;
    ``bias`` adds to one class's logit (the canary prefers that class)."""
    classes = ["high", "low", "mid"]
    y = rng.integers(0, 3, n)
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), y] += sharp
    if bias is not None:
        logits[:, bias] += 2.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ids = [f"{revision}-{i}" for i in range(n)]
    logs = pd.DataFrame({"request_id": ids, "revision": revision, "model": "m", "time": "2026-01-01T00:00:00+00:00",
                         **{f"prediction_{i}": proba[:, i] for i in range(3)}})
    labels = pd.DataFrame({"request_id": ids, "label": [classes[i] for i in y], "label_time": "1"})
    return logs, labels, classes


def test_a_multiclass_canary_is_judged_on_every_class_with_text_labels():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(5)
    sl, sy, classes = multiclass_traffic(1000, "stable", rng, sharp=2.0)
    cl, cy, _ = multiclass_traffic(1000, "canary", rng, sharp=0.5)
    ok, reason, measured = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                         stable_revision="stable", classes=classes)
    expected = roc_auc_score(cy["label"], cl[["prediction_0", "prediction_1", "prediction_2"]], multi_class="ovr",
                             labels=classes)
    assert not ok and "below stable" in reason
    assert measured["canary_auc"] == expected
    good, good_labels, _ = multiclass_traffic(1000, "canary", rng, sharp=2.0)
    ok, reason, _ = quality_check(pd.concat([sl, good]), pd.concat([sy, good_labels]), canary_revision="canary",
                                  stable_revision="stable", classes=classes)
    assert ok, reason


def test_without_labels_a_multiclass_canary_fails_on_a_shift_of_the_predicted_class():
    rng = np.random.default_rng(6)
    sl, _, classes = multiclass_traffic(1000, "stable", rng, sharp=1.0)
    same, _, _ = multiclass_traffic(1000, "canary", rng, sharp=1.0)
    biased, _, _ = multiclass_traffic(1000, "canary", rng, sharp=1.0, bias=0)
    ok, reason, _ = quality_check(pd.concat([sl, same]), None, canary_revision="canary", stable_revision="stable",
                                  classes=classes)
    assert ok and "predicted-class distributions agree" in reason
    ok, reason, measured = quality_check(pd.concat([sl, biased]), None, canary_revision="canary",
                                         stable_revision="stable", classes=classes)
    assert not ok and "predicted-class distribution shifted" in reason and measured["score_psi"] > 0.2


def test_a_label_in_another_case_is_the_class_beside_the_class_as_written():
    rng = np.random.default_rng(9)
    sl, sy = traffic(400, "stable", rng, auc_noise=0.2)
    cl, cy = traffic(400, "canary", rng, auc_noise=0.6)
    names = {0: "no", 1: "yes"}
    sy = sy.assign(label=[names[v] for v in sy.label])
    cy = cy.assign(label=["Yes" if i % 4 else names[v] for i, v in enumerate(cy.label)])  # mostly a typo
    ok, reason, measured = quality_check(pd.concat([sl, cl]), pd.concat([sy, cy]), canary_revision="canary",
                                         stable_revision="stable", classes=["no", "yes"])
    # round 59's review (H2): 'Yes' is 'yes' though the window also writes 'yes' (training refuses the two as
    # spellings of one class): no unseen label, the worse canary rolled back on its labels
    assert measured["canary_labelled"] == 400 and measured["labels_left_out"] == 0
    assert measured["unseen_labels"] == 0
    assert measured["canary_auc"] < 0.7 and not ok and "below stable" in reason, reason
