"""``--policy``/``--compare`` ``every:N`` with a digit that is not an ASCII one: ``'²'.isdigit()``
is true and ``int('²')`` a ValueError, which argparse printed as "invalid _policy value" and a
library caller got as a bare ValueError."""

import pytest

from ctloop.backtest import BacktestConfig, check_policy
from ctloop.cli import main
from ctloop.errors import ConfigError


@pytest.mark.parametrize("policy", ["every:²", "every:¹⁰", "every:٣"])
def test_every_with_a_digit_that_is_not_ascii_is_a_config_error(policy):
    with pytest.raises(ConfigError, match=r"is not one of never, always, drift, default or every:N"):
        check_policy(policy)
    with pytest.raises(ConfigError, match=r"--policy 'every:"):
        BacktestConfig(target="y", time_column="ts", policy=policy).validate()


@pytest.mark.parametrize("flag", ["--policy", "--compare"])
def test_the_cli_names_the_policy_rule_not_a_function(tmp_path, capsys, flag):
    with pytest.raises(SystemExit) as exc:
        main(["backtest", "--data", str(tmp_path / "x.csv"), "--target", "y", "--time-column", "ts",
              "--window", "7D", flag, "every:²", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert exc.value.code == 2 and "must be one of never, always, drift, default or every:N (N >= 1)" in err
    assert "_polic" not in err and "every:²" in err


def test_a_schedule_in_ascii_digits_is_still_read():
    assert check_policy("every:3") == "every:3" and check_policy("every:0012") == "every:12"  # one name per policy (test_r53_hunt)
