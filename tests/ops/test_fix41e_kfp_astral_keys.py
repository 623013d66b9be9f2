"""A character beyond U+FFFF (an emoji) in a parameter's KEY, and the refusal's wording.

kubeflow/pipelines 2.17.0 stores a run's parameters through a MySQL connection with ``charset=utf8``
(``backend/src/apiserver/client/sql.go`` ``CreateMySQLConfig``: at most 3 bytes a character), after it
created the workflow (``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun``): an emoji
anywhere in them is an HTTP 500 and a workflow without a KFP run. ``refuse_astral`` walked the values
of a mapping only, so ``gate.thresholds={"roc_auc🚀": 0.7}`` reached KFP (the double models the
stored text as ``json.dumps(ensure_ascii=False)``). Its refusal also quoted the value's first 60
characters: the password of ``tracking_uri=https://alice:s3cr3tpw@…/🚀`` went to the terminal. Now
keys are checked too, and the refusal names the position and the character, not the text.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.platform import refuse_astral
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
ROCKET = "\U0001F680"


@pytest.mark.parametrize("given, where", [
    ('gate.thresholds={"roc_auc\U0001F680": 0.7}', "gate.thresholds"),
    ('gate.thresholds={"roc_auc": 0.7, "f1\U0001F680": 0.5}', "gate.thresholds"),
])
def test_an_emoji_in_a_key_is_refused_before_kfp_is_asked(monkeypatch, tmp_path, capsys, given, where):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS, "--param", given]) == 2
        err = capsys.readouterr().err.strip()
        assert "Traceback" not in err and where in err and "U+1F680" in err, err
        assert not kfp.state.runs and not kfp.orphans


def test_the_refusal_does_not_print_the_value(monkeypatch, tmp_path, capsys):
    uri = "https://alice:s3cr3tpw@mlflow.example.com/"
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS, "--param", f"tracking_uri={uri}{ROCKET}"])
        err = capsys.readouterr().err
        assert code == 2 and "s3cr3tpw" not in err and "tracking_uri" in err
        assert f"character {len(uri) + 1} is" in err and "U+1F680" in err, err


def test_keys_and_positions_in_one_walk():
    with pytest.raises(ConfigError) as caught:
        refuse_astral({"ok": [1, {"x": f"ab{ROCKET}"}]}, "parameter p")
    assert str(caught.value).startswith(f"parameter p.ok[1].x: character 3 is {ROCKET} (U+1F680)")
    with pytest.raises(ConfigError) as caught:
        refuse_astral({f"k{ROCKET}": 1}, "parameter p")
    assert str(caught.value).startswith(f"parameter p: character 2 of a key is {ROCKET} (U+1F680)")
    refuse_astral({"k": ["é", "\uffff", 1.5, None]}, "parameter p")  # up to U+FFFF: stored
