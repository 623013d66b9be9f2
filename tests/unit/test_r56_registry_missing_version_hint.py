"""A version the registry does not hold is refused with a command that lists the versions.

Found approving a version as README's "A person signs off" shows (``ctloop approve --model-name
credit-default --version 7``) against the registry ``make demo`` leaves (versions 1 and 2): the
line said ``list versions with `ctloop rollout status` or the MLflow UI``, but ``rollout status``
needs a cluster and ``--isvc``/``--namespace`` and prints an InferenceService's traffic, no list
of versions. ``ctloop audit --model-name`` lists every registered version's decisions from the
registry alone (each registration is one), so the line names it.
"""

from __future__ import annotations

from mlflow import MlflowClient

from ctloop.cli import main


def test_approving_a_version_the_registry_lacks_names_ctloop_audit(sqlite_tracking, capsys):
    MlflowClient(sqlite_tracking, sqlite_tracking).create_registered_model("credit-default")
    code = main(
        [
            "approve",
            "--model-name",
            "credit-default",
            "--version",
            "7",
            "--reason",
            "review passed",
            "--tracking-uri",
            sqlite_tracking,
        ]
    )
    err = (
        capsys.readouterr().err.strip().splitlines()[-1]
    )  # after MLflow's own store creation lines
    assert code == 2
    assert err == (
        "error: model 'credit-default' has no version '7': list its versions with "
        "`ctloop audit --model-name credit-default` or the MLflow UI"
    ), err

    # the command can be pasted for a name with a space (review, stop 56: it was not shell-quoted); the same store
    MlflowClient(sqlite_tracking, sqlite_tracking).create_registered_model("credit default")
    code = main(["approve", "--model-name", "credit default", "--version", "7", "--reason", "ok",
                 "--tracking-uri", sqlite_tracking])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert "`ctloop audit --model-name 'credit default'`" in err, err
