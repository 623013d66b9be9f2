"""A lone answer of a name filter was taken whenever either name had a letter beyond ASCII: behind a proxy
that drops ``?filter=``, ``find_pipeline("default")`` with only ``Łódź-prod`` uploaded returned that
pipeline (review J 3). It is now taken only when the names are equal once the letters ``collation_key``
leaves alone are expanded as ``utf8mb4_0900_ai_ci`` (DUCET 9.0.0 allkeys-9.0.0.txt) takes them:
``ł``→``l``, ``æ``→``ae``, ``ø``→``o``, ``œ``→``oe``, ``đ``/``ð``→``d``, ``ß``→``ss`` (not ``þ``: a primary of its own).

Through the KFP API double (tests/doubles/kfp_cli.py) with its filters dropped."""

from __future__ import annotations

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix42h5_keyed_run import drop_filters
from tests.ops.test_r40_kfp_pipeline_name_key import _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize(
    ("stored", "given"),
    [("Łódź-prod", "default"), ("Ærø-model", "credit"), ("þór", "tor"), ("þór", "thor")],
)
def test_a_lone_answer_of_another_name_is_no_match(monkeypatch, tmp_path, stored, given):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _seed(kfp, stored, stored)
        drop_filters(kfp)
        assert Platform(host=kfp.url).find_pipeline(given) is None


@pytest.mark.parametrize(
    ("stored", "given"), [("łódź", "lodz"), ("Ærø", "aero"), ("ðór", "dor"), ("œuvre", "oeuvre")]
)
def test_a_lone_answer_the_collation_takes_for_the_name_is_taken(
    monkeypatch, tmp_path, stored, given
):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        pid = _seed(kfp, stored, stored)
        drop_filters(kfp)
        assert Platform(host=kfp.url).find_pipeline(given) == pid
