"""``þ`` is a letter of its own in ``utf8mb4_0900_ai_ci``, not ``th``.

The collation is DUCET 9.0.0 at primary strength (MySQL 8.0 reference, "Unicode Character Sets": the
``0900`` is UCA 9.0.0). Its table, allkeys-9.0.0.txt, gives ``00FE ; [.1F50.0020.0002] # LATIN SMALL LETTER
THORN``: a primary weight of its own, after ``t`` (``0074 ; [.1E95...]``), with no expansion. ctloop's
table of the letters the database takes for ASCII ones (``platform._EXPANSIONS``) had ``þ`` → ``th``
from memory: behind a proxy that drops ``?filter=``, with only ``þór`` uploaded, ``find_pipeline("thor")``
took that pipeline for ``thor`` (and ``apply`` would have uploaded its version there). ``ð`` (``00F0 ;
[.1C8F.0020.0004][.0000.0110.0004]``: ``d``'s primary 1C8F) stays ``d``.

Through the KFP API double (tests/doubles/kfp_api.py), with its filters honoured and dropped."""

from __future__ import annotations

import pytest

from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import _same
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix42h5_keyed_run import drop_filters
from tests.ops.test_r40_kfp_pipeline_name_key import _seed

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_the_double_compares_thorn_and_eth_as_allkeys_9_does():
    assert not _same("þór", "thor") and not _same("Þór", "tor")
    assert _same("ðór", "dor") and _same("Łódź", "lodz")


@pytest.mark.parametrize("dropped", [False, True], ids=["filter-honoured", "filter-dropped"])
def test_a_pipeline_named_with_thorn_is_not_one_named_with_th(monkeypatch, tmp_path, dropped):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _seed(kfp, "þór", "þór")
        if dropped:
            drop_filters(kfp)
        assert Platform(host=kfp.url).find_pipeline("thor") is None
