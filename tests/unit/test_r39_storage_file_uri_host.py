"""A ``file:`` URI whose authority is another host (RFC 8089 section 2: empty or ``localhost`` is this
machine). ``storage.parse`` kept the path alone, so ``data.uri: file://build/credit.csv`` (meant as
build/credit.csv) read /credit.csv, and an output there wrote at the filesystem root. The CLI's
own path options refuse it (fix39e, ``cli.local.local_path``); every other reader goes through
``storage.parse``."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("uri", ["file://build/credit.csv", "FILE://data/x.parquet", "file://10.0.0.5/share/x.csv"])
def test_another_host_is_refused_in_one_line(uri):
    with pytest.raises(ConfigError) as err:
        storage.parse(uri)
    assert uri.lower() in str(err.value).lower() and "file:///" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("uri, path", [("file:///tmp/x.csv", "/tmp/x.csv"), ("file://localhost/tmp/x.csv", "/tmp/x.csv"),
                                       ("file://LOCALHOST/tmp/x.csv", "/tmp/x.csv"), ("file:/tmp/x.csv", "/tmp/x.csv"),
                                       ("build/x.csv", "build/x.csv")])
def test_this_machine_reads_as_before(uri, path):
    assert storage.parse(uri).key == path


def test_a_missing_input_given_with_another_host_names_it(tmp_path):
    with pytest.raises(ConfigError) as err:
        storage.read_table("file://build/credit.csv")
    assert "file://build/credit.csv" in str(err.value)


@pytest.mark.parametrize("argv", [["config", "docs", "--output", "file://build/x.md"],
                                  ["labels", "report", "--store", "file://build/store"],
                                  ["drift", "--reference", "file://build/a.csv", "--current", "b.csv"]])
def test_a_command_option_naming_another_host_is_one_line_and_writes_nothing(argv, tmp_path, monkeypatch, capsys):
    """``config docs --output file://build/x.md`` went through ``Path`` (``file:/build/x.md``) and
    wrote /build/x.md at the filesystem root (review F1)."""
    from ctloop.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "another host" in err and "'build'" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("given", ["file://u:s3cret@h/x.md", "file://[u:s3cret@h/x.md"])
def test_a_password_in_a_refused_file_uri_is_never_printed(given, tmp_path, monkeypatch, capsys):
    """argparse's refusal quoted the netloc and the URI raw; an unclosed '[' made urlsplit raise a
    ValueError that argparse echoed with the value, and ``storage.parse`` raised it bare (review G2)."""
    from ctloop.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["config", "docs", "--output", given])
    err = capsys.readouterr().err
    assert "s3cret" not in err and "file:///abs/path" in err, err
    with pytest.raises(ConfigError) as refused:
        storage.parse(given)
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("given", ["file://u:s3cret@h", "file://u:s3c#ret@h/x.md", "file://admin:2024/s3cret@h/x.md",
                                   "file://u:s3cret@localhost/x.md"])
def test_every_file_uri_refusal_masks_its_userinfo(given, tmp_path, monkeypatch, capsys):
    """'names no path' quoted the URI raw, and a '#' or '/' in the password (which ends urlsplit's
    netloc early) showed part of it as the host (review H)."""
    from ctloop.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["compile", "--output-dir", given])
    err = capsys.readouterr().err
    assert "s3c" not in err and "2024" not in err and "file://***@" in err, err
    with pytest.raises(ConfigError) as refused:
        storage.parse(given)
    assert "s3c" not in str(refused.value) and "2024" not in str(refused.value)
