"""Round 58's review of the hostile-input merge: a whole number above 2**53 (``random_state:
18446744073709551615``, or ``max_iter``, which scikit-learn bounds only below) passed ``_beyond_double`` (which looked only past 1.8e308) and reached KFP, whose API reads
a JSON number into a double (google/protobuf/struct.proto ``Value.number_value``, ``double``;
google.golang.org/protobuf ``encoding/protojson/decode.go`` ``unmarshalScalar``: ``strconv.ParseFloat``), rounding
it without a word (to 18446744073709551616). Refused naming the parameter, the value (cut when long) and the limit."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.ops.params import _beyond_double
from tests.helpers import REPO

EXAMPLE = (REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8")


def _apply(tmp_path, capsys, value: str) -> tuple[int, str, str]:
    path = tmp_path / "ctloop.yaml"
    path.write_text(EXAMPLE.replace("max_iter: 300", f"max_iter: {value}"), encoding="utf-8")
    code = main(["apply", "-f", str(path), "--dry-run"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_whole_number_a_double_rounds_is_refused(tmp_path, capsys):
    code, out, err = _apply(tmp_path, capsys, "18446744073709551615")
    assert code == 2 and "valid" not in out, (code, out, err)  # was: valid, then rounded by KFP
    assert (
        "training.hyperparameters.max_iter: 18446744073709551615 is beyond the whole numbers KFP keeps exact (it "
        "reads a JSON number as a double: at most 2**53 = 9007199254740992) — give a smaller number"
        in err
    ), err


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (2**53, None),
        (-(2**53), None),
        (2**53 + 1, ("h.a", "9007199254740993", False)),
        ({"b": [1, -(10**39) + 1]}, ("h.a.b[1]", "-999999999999… (39 digits)", False)),
        (10**400, ("h.a", "100000000000… (401 digits)", True)),
    ],
)
def test_what_a_double_does_not_hold_exactly(value, found):
    assert _beyond_double({"a": value}, "h") == found
    assert float(2**53) == 2**53 and float(2**53 + 1) != 2**53 + 1  # the limit, as a double rounds
