"""A local ``--output`` that cannot be written (``/proc`` refuses new files with ENOENT, a
read-only or full filesystem fails likewise) is one line naming ``--output`` and the path, exit 2,
never a traceback from ``storage.write_bytes`` (``_Local.write`` caught only PermissionError)."""

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import CtloopError


@pytest.mark.parametrize("path", ["/proc/ctloop-x.md", "/proc/ctloop-x/sub/y.md"])
def test_storage_write_to_an_unwritable_place_is_a_ctloop_error(path):
    with pytest.raises(CtloopError, match=f"cannot write {path}: No such file or directory") as info:
        storage.write_bytes(path, b"x")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("argv", [
    ["config", "docs", "--output", "/proc/ctloop-x.md"],
    ["config", "docs", "--output", "/proc/ctloop-x/sub/y.md"],
    ["generate-data", "--rows", "50", "--output", "/proc/ctloop-x.parquet"],
])
def test_an_unwritable_output_is_one_line_naming_the_flag(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    path = argv[-1]
    assert err.count("\n") == 1 and err.startswith(f"error: --output {path}: cannot write {path}"), err


def test_an_output_that_is_a_directory_or_inside_a_file_names_the_flag(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    for path, why in ((tmp_path, "it is a directory"), (tmp_path / "a-file" / "x.md", "is a file, not a directory")):
        assert main(["config", "docs", "--output", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --output {path}: cannot write {path}") and why in err, err
