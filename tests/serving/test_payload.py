import pytest

from ctloop.errors import ServingError
from ctloop.serving.payload import to_frame, v1_response, v2_response

FEATURES = ["income", "region"]


def test_v1_objects_and_lists_and_v2_tensors_give_the_same_frame():
    a = to_frame({"instances": [{"region": "north", "income": 1.0, "extra": 3}]}, FEATURES)
    b = to_frame({"instances": [[1.0, "north"]]}, FEATURES)
    c = to_frame({"inputs": [{"name": "income", "shape": [1], "datatype": "FP64", "data": [1.0]},
                             {"name": "region", "shape": [1], "datatype": "BYTES", "data": ["north"]}]}, FEATURES)
    assert a.equals(b) and b.equals(c) and list(a.columns) == FEATURES


@pytest.mark.parametrize("payload, match", [
    ({"rows": []}, "instances"),
    ({"instances": []}, "non-empty"),
    ({"instances": [[1.0]]}, "2 values in this order: income, region"),
    ({"instances": [{"income": 1.0}]}, "missing feature"),
])
def test_bad_payloads(payload, match):
    with pytest.raises(ServingError, match=match):
        to_frame(payload, FEATURES)


@pytest.mark.parametrize("data", [[[1.0, "north"], [2.0, "south"]], [1.0, "north", 2.0, "south"]],
                         ids=["nested", "flat"])
def test_one_v2_tensor_of_shape_n_by_k_holds_the_features_in_order(data):
    frame = to_frame({"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "BYTES", "data": data}]}, FEATURES)
    assert frame.to_dict("records") == [{"income": 1.0, "region": "north"}, {"income": 2.0, "region": "south"}]


def test_a_v2_tensor_that_does_not_match_its_shape_is_refused():
    with pytest.raises(ServingError, match="does not match shape"):
        to_frame({"inputs": [{"name": "input-0", "shape": [2, 2], "data": [1.0, "north", 2.0]}]}, FEATURES)
    with pytest.raises(ServingError, match="k = 2"):
        to_frame({"inputs": [{"name": "input-0", "shape": [1, 3], "data": [[1.0, "north", 3]]}]}, FEATURES)


def test_v1_response_keeps_predictions_and_names_the_model_version():
    body = v1_response([[0.9, 0.1]], "credit-default", "3")
    assert body == {"predictions": [[0.9, 0.1]], "model_name": "credit-default", "model_version": "3"}


def test_v2_response_carries_the_model_version_in_the_protocol_field():
    body = v2_response([[0.9, 0.1], [0.2, 0.8]], "credit-default", "3", "req-1")
    assert (body["model_name"], body["model_version"], body["id"]) == ("credit-default", "3", "req-1")
    assert body["outputs"] == [{"name": "predictions", "shape": [2, 2], "datatype": "FP64",
                                "data": [0.9, 0.1, 0.2, 0.8]}]
    assert v2_response([1, 0], "m", "", "r")["model_version"] is None  # unknown: null, as the protocol allows
    assert v2_response([1, 0], "m", "", "r")["outputs"][0]["datatype"] == "INT64"


@pytest.mark.parametrize("protocol", ["v1", "v2"])
def test_the_inference_log_sink_files_runtime_responses_under_their_model_version(protocol):
    """The contract between the runtime and the sink: KServe's payload logger forwards these bodies
    with ce-source http://localhost:9081/ for every pod; the version in the body decides the revision."""
    import json

    from ctloop.inference_log.events import join, parse_event

    h = {"ce-id": "r1", "ce-specversion": "1.0", "ce-source": "http://localhost:9081/",
         "ce-inferenceservicename": "credit-default"}
    predictions = [[0.9, 0.1], [0.2, 0.8]]
    body = (v1_response(predictions, "credit-default", "7") if protocol == "v1"
            else v2_response(predictions, "credit-default", "7", "r1"))
    request = parse_event({**h, "ce-type": "org.kubeflow.serving.inference.request"},
                          json.dumps({"instances": [[1.0, "north"], [2.0, "south"]]}).encode())
    response = parse_event({**h, "ce-type": "org.kubeflow.serving.inference.response"}, json.dumps(body).encode())
    rows = join(request, response)
    assert [(r["revision"], r["model_version"]) for r in rows] == [("v7", "7")] * 2
    column = "prediction_1" if protocol == "v1" else "prediction_predictions_1"
    assert [r[column] for r in rows] == [0.1, 0.8]


def test_numeric_features_are_checked_and_named():
    frame = to_frame({"instances": [{"income": "1.5", "region": "north"}, {"income": None, "region": "south"}]},
                     FEATURES, numeric=["income"])
    assert frame["income"].tolist()[0] == 1.5 and frame["income"].isna().tolist() == [False, True]
    assert str(frame["income"].dtype) == "float64"  # a BYTES tensor's "1.5" is a number to the model
    with pytest.raises(ServingError, match=r"feature 'income' must be a finite number; instance 2 has 'n/a' "
                       r"\(2 instances"):
        to_frame({"instances": [[1.0, "n"], [2.0, "s"], ["n/a", "e"], [True, "w"]]}, FEATURES, numeric=["income"])
    assert to_frame({"instances": [[1.0, "n"]]}, FEATURES, numeric=["income"])["income"].tolist() == [1.0]


@pytest.mark.parametrize("instances, match", [
    ([{"income": "inf", "region": "n"}], "'income' must be a finite number; instance 0 has 'inf'"),
    ([{"income": 1.0, "region": "n"}, {"income": float("-inf"), "region": "s"}],
     "'income' must be a finite number; instance 1 has -inf"),
    ([{"income": True, "region": "n"}], "'income' must be a finite number; instance 0 has True"),
    ([{"income": 1.0, "region": {"a": 1}}], "'region' must be a single value \\(text or number\\); instance 0 has"),
    ([{"income": 1.0, "region": ["n"]}], "'region' must be a single value"),
])
def test_values_the_model_would_fail_on_are_refused_as_bad_input(instances, match):
    """Each of these passed to_frame before and failed inside predict: a 500 held against the model."""
    with pytest.raises(ServingError, match=match):
        to_frame({"instances": instances}, FEATURES, numeric=["income"])


def test_instances_counts_what_a_refused_payload_held():
    from ctloop.serving.payload import instances

    assert instances({"instances": [{}, {}, {}]}) == 3
    assert instances({"inputs": [{"name": "x", "shape": [4, 2], "data": []}]}) == 4
    assert instances({"rows": []}) == instances(None) == instances({"instances": []}) == 1


def test_a_json_null_in_a_text_feature_is_a_missing_value_like_csv_gaps_not_a_category():
    """``{"region": null}`` decodes to ``None``; the model's imputers take only NaN as missing (a
    CSV's gaps, what training read), so ``None`` reached the one-hot encoder as an unseen category."""
    import math

    frame = to_frame({"instances": [{"income": 1.0, "region": None}, {"income": None, "region": "north"}]},
                     FEATURES, numeric=["income"])
    assert math.isnan(frame["region"].iloc[0]) and math.isnan(frame["income"].iloc[1])


def test_a_number_sent_for_a_feature_trained_as_text_is_read_as_its_text():
    """Grades trained as text ('1'..'7') and sent as JSON numbers: the one-hot encoder matched no
    category (every row all zeros: the model ignored the feature); read as '3' it predicts as for
    '3'. A numeric feature keeps its numbers; text, null and a flag stay as sent."""
    import numpy as np
    import pandas as pd

    from ctloop.components.train.core import fit

    rng = np.random.default_rng(0)
    grade = rng.integers(1, 8, 600)
    frame = pd.DataFrame({"grade": grade.astype(str), "x": rng.normal(size=600)})
    frame["y"] = (grade >= 5).astype(int)
    result = fit(frame, target="y", estimator="logistic_regression")
    meta = result.meta
    assert meta["categorical"] == ["grade"]
    as_text = {"instances": [{"grade": "2", "x": 0.1}, {"grade": "6", "x": 0.1}]}
    as_numbers = {"instances": [{"grade": 2, "x": 0.1}, {"grade": 6.0, "x": 0.1}]}
    want = result.model.predict_proba(to_frame(as_text, meta["features"], meta["numeric"], meta["categorical"]))
    got = to_frame(as_numbers, meta["features"], meta["numeric"], meta["categorical"])
    assert got["grade"].tolist() == ["2", "6"] and got["x"].tolist() == [0.1, 0.1]
    np.testing.assert_allclose(result.model.predict_proba(got), want)
    ignored = to_frame(as_numbers, meta["features"], meta["numeric"])  # before: the numbers as sent
    assert abs(result.model.predict_proba(ignored)[1, 1] - want[1, 1]) > 0.3
    kept = to_frame({"instances": [{"grade": None, "x": 1}, {"grade": "7", "x": 2}]}, meta["features"],
                    meta["numeric"], meta["categorical"])
    assert kept["grade"].isna().iloc[0] and kept["grade"].iloc[1] == "7"


def _written_frame():
    """Grades written '1.0'..'7.0' and zero-padded codes '01'..'07' (text), a number ``x``, target ``y``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    grade, code = rng.integers(1, 8, 700), rng.integers(1, 8, 700)
    frame = pd.DataFrame({"grade": [f"{g}.0" for g in grade], "code": [f"{c:02d}" for c in code],
                          "x": rng.normal(size=700)})
    frame["y"] = ((grade >= 5) ^ (code <= 2)).astype(int)
    return frame


def _written_otherwise():
    """A model trained on :func:`_written_frame`."""
    from ctloop.components.train.core import fit

    return fit(_written_frame(), target="y", estimator="logistic_regression")


def test_a_number_sent_for_a_text_feature_is_read_as_the_trained_category_of_its_value():
    """Grades trained as '3.0' and codes as '03' (text): 3 read as '3' was an unknown category
    too (the model ignored both features); read as the one trained category of that value it
    predicts as for the trained text, and the runtime's counts say so."""
    import numpy as np

    from ctloop.storage import number_categories, trained_categories

    result = _written_otherwise()
    meta = result.meta
    cats = {c: number_categories(v) for c, v in trained_categories(result.model).items()}
    as_text = {"instances": [{"grade": "2.0", "code": "02", "x": 0.1}, {"grade": "6.0", "code": "06", "x": 0.1}]}
    as_numbers = {"instances": [{"grade": 2, "code": 2, "x": 0.1}, {"grade": 6.0, "code": 6, "x": 0.1}]}
    want = result.model.predict_proba(to_frame(as_text, meta["features"], meta["numeric"], meta["categorical"]))
    counts = {}
    got = to_frame(as_numbers, meta["features"], meta["numeric"], meta["categorical"], cats, counts)
    assert got["grade"].tolist() == ["2.0", "6.0"] and got["code"].tolist() == ["02", "06"]
    np.testing.assert_allclose(result.model.predict_proba(got), want)
    assert {c: (n.numbers, n.recoded) for c, n in counts.items()} == {"grade": (2, 2), "code": (2, 2)}
    plain = to_frame(as_numbers, meta["features"], meta["numeric"], meta["categorical"])  # before: '2', '6'
    assert plain["grade"].tolist() == ["2", "6"]
    ignored = result.model.predict_proba(plain)  # both features ignored: grade 2 and 6 alike
    np.testing.assert_allclose(ignored[0], ignored[1])
    assert abs(want[0, 1] - want[1, 1]) > 0.2


def test_a_number_no_or_several_trained_categories_have_is_its_own_text_and_counted():
    from ctloop.storage import number_categories

    cats = {"code": number_categories(["1", "01", "2"])}
    counts = {}
    got = to_frame({"instances": [{"code": 1}, {"code": 9}, {"code": 2}, {"code": "01"}]}, ["code"], (), ["code"],
                   cats, counts)
    assert got["code"].tolist() == ["1", "9", "2", "01"]
    c = counts["code"]
    assert (c.numbers, c.recoded, c.unknown, c.ambiguous) == (3, 0, 1, 1)
