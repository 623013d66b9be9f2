"""A bad value given by a flag is said with the flag the user typed, not only the configuration
field behind it: ``compile --resources '{"train": {}}'`` said ``platform.resources.train: no step
of that name``, and ``--mount-pvc data`` said ``PVC mount 'data' must be CLAIM:PATH`` — neither named
``--resources``/``--mount-pvc``, which a user who never wrote a ctloop.yaml cannot map back."""

from __future__ import annotations

import pytest

from ctloop.cli import main

CASES = [
    (
        ["--resources", '{"train": {"cpu_limit": "1"}}'],
        "--resources: platform.resources.train: no step",
    ),
    (
        ["--resources", '{"train_model": {"cpu_request": "4", "cpu_limit": "2"}}'],
        "--resources: platform.resources.train_model: cpu_request 4 is above cpu_limit 2",
    ),
    (
        ["--tolerations", '[{"operator": "Bad"}]'],
        "--tolerations: platform.tolerations[0].operator: must be one of",
    ),
    (["--tolerations", '{"key": "a"}'], "--tolerations: platform.tolerations: expected a list"),
    (
        ["--node-selector", '{"disk": 1}'],
        "--node-selector: platform.node_selector.disk: expected text",
    ),
    (["--mount-pvc", "data"], "--mount-pvc: PVC mount 'data' must be CLAIM:PATH"),
    (
        ["--mount-pvc", "data.v2:/mnt/x"],
        "--mount-pvc: PVC mount 'data.v2:/mnt/x': KFP names the pod's volume",
    ),
    (
        ["--mount-pvc", "a:/mnt/x", "--mount-pvc", "b:/mnt/x"],
        "--mount-pvc: PVC mounts a:/mnt/x and b:/mnt/x",
    ),
    (
        ["--mount-pvc", "var-run-argo:/mnt/x"],
        "--mount-pvc: PVC mount var-run-argo:/mnt/x: its volume name",
    ),
]


@pytest.mark.parametrize(("flags", "said"), CASES, ids=[" ".join(c[0])[:40] for c in CASES])
def test_compile_names_the_flag_and_the_value_in_one_line(tmp_path, capsys, flags, said):
    assert main(["compile", "--output-dir", str(tmp_path / "o"), *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_several_problems_each_name_their_flag(tmp_path, capsys):
    assert (
        main(
            [
                "compile",
                "--output-dir",
                str(tmp_path / "o"),
                "--node-selector",
                '{"a": 1}',
                "--tolerations",
                '[{"operator": "Bad"}]',
            ]
        )
        == 2
    )
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: 2 problems:"
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == [
        "--node-selector",
        "--tolerations",
    ]


def test_a_value_from_the_base_is_not_said_as_a_flag():
    """``from_arguments`` names a flag only for a value the flag gave (not the command's base)."""
    import argparse

    from ctloop.config import PlatformConfig, add_arguments, from_arguments
    from ctloop.errors import ConfigError

    parser = argparse.ArgumentParser()
    add_arguments(parser, PlatformConfig, ["retries", "resources"])
    with pytest.raises(ConfigError) as caught:
        from_arguments(
            PlatformConfig, parser.parse_args(["--retries", "2"]), base={"resources": {"x": {}}}
        )
    assert str(caught.value).startswith("platform.resources.x: no step"), caught.value


def test_a_renamed_flag_is_named_as_typed():
    import argparse

    from ctloop.config import GateConfig, add_arguments, from_arguments
    from ctloop.errors import ConfigError

    parser = argparse.ArgumentParser()
    add_arguments(parser, GateConfig, ["thresholds"], rename={"thresholds": "gate_thresholds"})
    with pytest.raises(ConfigError, match=r"^--gate-thresholds: gate\.thresholds"):
        from_arguments(GateConfig, parser.parse_args(["--gate-thresholds", '{"auc": "x"}']))
