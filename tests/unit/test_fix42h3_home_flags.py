"""``--kubeconfig`` and ``--token-file`` take a path starting with ``~`` (fix 42h3, review of fix 42e).
Fix 42e refused ``~`` in every path flag, but the readers of these two expand it themselves: the
kubernetes client (``kubernetes/config/kube_config.py``, ``os.path.expanduser`` of the file given)
and :func:`ctloop.ops.platform.resolve_auth` (``Path(value).expanduser()``). ``--kubeconfig=~/.kube/config``
(bash leaves a ``~`` after ``=`` as written) was refused with exit 2."""

from __future__ import annotations

import pytest

from ctloop.cli import build_parser


@pytest.fixture
def home(tmp_path, monkeypatch):
    (tmp_path / "home" / ".kube").mkdir(parents=True)
    (tmp_path / "home" / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\n")
    (tmp_path / "home" / "token").write_text("abc\n")
    (tmp_path / "home" / "binary").write_bytes(b"\xff\xfe\x00token")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


@pytest.mark.parametrize(
    "argv",
    [
        ["rollout", "status", "--isvc", "m", "--namespace", "ns", "--kubeconfig=~/.kube/config"],
        ["doctor", "--kubeconfig=~/.kube/config"],
    ],
    ids=["rollout", "doctor"],
)
def test_kubeconfig_under_home_is_taken(home, argv):
    args = build_parser().parse_args(argv)
    assert args.kubeconfig == str(home / ".kube" / "config")


@pytest.mark.parametrize("command", [["doctor"], ["runs"]], ids=["doctor", "runs"])
def test_token_file_under_home_is_taken(home, command):
    args = build_parser().parse_args([*command, "--token-file=~/token"])
    assert args.token_file == str(home / "token")


def test_token_file_under_home_is_still_checked_as_text(home, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["doctor", "--token-file=~/binary"])
    assert exc.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    # the value shown is the expanded path (cut to 84 characters when longer: pytest-xdist's tmp paths are)
    assert f"argument --token-file: is not a text file, got '{str(home / 'binary')[:40]}" in last, last


def test_a_store_under_home_is_still_refused(home, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["labels", "ingest", "--labels", "l.csv", "--store", "~/store"])
    assert exc.value.code == 2 and "starts with '~'" in capsys.readouterr().err
