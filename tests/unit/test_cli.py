import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs as parse_params


def test_parse_params_json_and_text():
    assert parse_params(["a=1", 'b={"x": 2}', "c=text", "d=true"]) == {"a": 1, "b": {"x": 2}, "c": "text", "d": True}


def test_pipeline_arguments_keep_text_parameters_text():
    """`--param version=2` parses as the JSON number 2; the rollout pipeline's version is a
    string, and kfp refused the number with InconsistentTypeException (a traceback)."""
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines.rollout import rollout

    values = parse_params(["model_name=m", "version=2", "reason=true", "rollout.inference_service=credit",
                           "rollout.namespace=ml"])
    args = pipeline_arguments(rollout, values)
    assert (args["version"], args["reason"], args["model_name"]) == ("2", "true", "m")


def test_parse_params_rejects_missing_equals():
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_params(["oops"])


def test_unknown_pipeline_parameter_suggests(capsys):
    code = main(["run", "--local", "--param", "data.windw=30D"])
    assert code == 2
    assert "did you mean 'window'" in capsys.readouterr().err


def test_a_missing_required_section_is_refused_before_anything_runs(capsys):
    code = main(["run", "--local", "--param", "model_name=credit"])
    assert code == 2
    err = capsys.readouterr().err
    assert "data: required by the pipeline and not given; e.g. --param data.uri=..." in err


def test_run_without_local_explains(capsys):
    assert main(["run"]) == 2
    assert "ctloop upload" in capsys.readouterr().err


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "backtest", "demo", "compile"):
        assert command in out


def test_run_local_makes_every_local_path_absolute(tmp_path, monkeypatch):
    """`ctloop run --local` tasks run in their own working directories: every section field naming
    a local path (monitoring and rollout roots too, not only data and scoring) is made absolute."""
    from ctloop.cli.local import absolute_paths

    monkeypatch.chdir(tmp_path)
    params = {"data": {"uri": "d.csv"}, "monitoring": {"log_root": "logs", "labels_root": "gs://b/labels"},
              "rollout": {"inference_log_root": "", "labels_root": "labels"},
              "scoring": {"data": "in", "output": "s3://b/out", "log_root": "logs"}, "model_name": "m"}
    assert absolute_paths(params) == {
        "data": {"uri": str(tmp_path / "d.csv")},
        "monitoring": {"log_root": str(tmp_path / "logs"), "labels_root": "gs://b/labels"},
        "rollout": {"inference_log_root": "", "labels_root": str(tmp_path / "labels")},
        "scoring": {"data": str(tmp_path / "in"), "output": "s3://b/out", "log_root": str(tmp_path / "logs")},
        "model_name": "m"}


def test_a_closed_pipe_ends_quietly():
    """`ctloop config docs | head -1`: the reader goes away; the command stops without a
    BrokenPipeError traceback and with the shell's SIGPIPE status (128 + 13), like coreutils."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "ctloop", "config", "docs"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 141
    assert "Traceback" not in err and err == ""


def test_a_flag_from_a_config_field_is_refused_by_its_own_name(capsys):
    """`ctloop rollout canary --timeout -1` named the config field (rollout.timeout_seconds) the user
    never typed; the field's rule now runs as the flag's argparse type and names --timeout."""
    with pytest.raises(SystemExit) as exit_info:
        main(["rollout", "canary", "--isvc", "credit", "--namespace", "ml", "--percent", "10", "--timeout", "-1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --timeout" in err and "'-1'" in err and "timeout_seconds" not in err


def test_a_broken_pipe_that_is_not_stdout_is_not_taken_for_head(monkeypatch, tmp_path):
    """Only a closed stdout ends quietly with 141: an EPIPE from a socket or a child's pipe is a
    failure and must not be swallowed (review of the merged change)."""
    import sys

    import ctloop.cli.config as config_cli

    out = (tmp_path / "stdout").open("w")  # a stdout that is fine, whatever an earlier test left in sys.stdout
    monkeypatch.setattr(sys, "stdout", out)

    def broken(_args):
        raise BrokenPipeError(32, "Broken pipe (a socket)")

    monkeypatch.setattr(config_cli, "_docs", broken)
    with pytest.raises(BrokenPipeError):
        main(["config", "docs"])


def test_help_states_the_timeout_default_each_command_uses(capsys):
    """``doctor`` answers in 5 s per call (``set_defaults``), the other KFP commands wait 30 s: each
    ``--help`` says its own default (doctor's said 30 while it used 5)."""
    import re

    from ctloop.cli import build_parser

    parser = build_parser()
    for command in ("doctor", "upload", "runs"):
        used = parser.parse_args([command, *(["--pipeline", "p.yaml"] if command == "upload" else [])]).timeout
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        stated = re.search(r"limit for each KFP API request \(default ([0-9.]+)\)", text)
        assert stated and float(stated.group(1)) == used, (command, used, text[-400:])


def test_config_docs_dash_prints_and_check_needs_a_file(tmp_path, monkeypatch, capsys):
    """``--output -`` is standard output (it wrote a file named '-'); ``--check`` without a file to
    compare is refused in one line (it printed the page and exited 0, checking nothing)."""
    monkeypatch.chdir(tmp_path)
    assert main(["config", "docs", "--output", "-"]) == 0
    assert capsys.readouterr().out.startswith("# Configuration reference") and not (tmp_path / "-").exists()
    assert main(["config", "docs", "--check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--check" in err[0] and "--output" in err[0], err
