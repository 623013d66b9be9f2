"""``ctloop backtest --policy X --compare ...`` replayed the --compare policies and ignored --policy
without a word; ``--jobs N`` without ``--compare`` (one replay, one process) was ignored too. Both
are now refused before the data are read: one line naming the flags, exit 2."""

import pytest

from ctloop.cli import main


def _argv(tmp_path, *flags):
    # the data file does not exist: the refusal comes before anything is read
    return ["backtest", "--data", str(tmp_path / "missing.csv"), "--target", "y", "--time-column", "ts",
            "--window", "7D", "--output", str(tmp_path / "out"), *flags]


@pytest.mark.parametrize(("flags", "words"), [
    (["--policy", "drift", "--compare", "never,always"], ["--policy drift", "--compare never,always"]),
    (["--policy", "default", "--compare", "default"], ["--policy default", "--compare default"]),
    (["--compare", "never,always", "--policy", "every:3"], ["--policy every:3"]),
    (["--jobs", "2"], ["--jobs 2", "--compare"]),
    (["--policy", "never", "--jobs", "1"], ["--jobs 1", "--compare"]),
])
def test_contradictory_flags_are_one_line_and_exit_2(tmp_path, capsys, flags, words):
    code = main(_argv(tmp_path, *flags))
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert all(w in err for w in words), err
    assert not (tmp_path / "out").exists()


def test_policy_alone_and_compare_with_jobs_are_still_accepted(tmp_path, capsys):
    # they pass the flag check: what stops them is the missing data file, not the flags
    for flags in (["--policy", "drift"], ["--compare", "never,always", "--jobs", "2"], []):
        code = main(_argv(tmp_path, *flags))
        err = capsys.readouterr().err
        assert code != 0 and "missing.csv" in err and "--jobs" not in err and "--policy" not in err, err
