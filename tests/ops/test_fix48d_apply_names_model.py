"""Fix 48 D: ``ctloop apply -f spec --dry-run`` printed "valid (2 model(s))" and then
``error: data.uri: ... (--mount-pvc CLAIM:PATH, platform.pvc_mounts)``: which model's, it did not
say, and ``--mount-pvc`` is no flag of apply. Now the model is named (as check_object_size does)
and only the spec's ``platform.pvc_mounts`` (the KFP API is the repo's double)."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli, spec_file

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_apply_names_the_model_of_a_relative_path_and_only_its_own_key(
    monkeypatch, tmp_path, capsys
):
    def edit(data):
        data["models"][1]["data"]["uri"] = "data/recoveries.parquet"

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["apply", "-f", spec_file(tmp_path, kfp.url, edit), "--dry-run"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(
            "error: model loss-given-default: data.uri: 'data/recoveries.parquet' is a "
            "relative local path"
        ), err
        assert "platform.pvc_mounts" in err and "--mount-pvc" not in err, err
        assert kfp.writes() == []
