"""artifacts.receipt: the ``<file>.sha256`` a verified download left beside it, read back by a
loader in another process (ctloop.serving.validate). Whatever is on disk there, the answer is the
hash or one line naming the receipt file (ModelIntegrityError) — never a traceback, and never a
hash that is not one."""

from __future__ import annotations

import hashlib

import pytest

from ctloop import artifacts
from ctloop.errors import ModelIntegrityError

GOOD = hashlib.sha256(b"model").hexdigest()


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"model")
    return path


def test_a_written_receipt_reads_back(model):
    artifacts.write_receipt(model, GOOD.upper() + "  ")
    assert artifacts.receipt(model) == GOOD
    assert artifacts.receipt(model.with_name("other.joblib")) == ""


@pytest.mark.parametrize("content", [
    b"\xff\xfe\x00garbled\x80",            # binary, not UTF-8
    GOOD.encode()[:40] + b"\xc3\x28" + b"\n",  # a hash whose tail is garbled bytes
    b"not a hash\n",                        # text, not a sha256
    (GOOD + "\n" + GOOD).encode(),          # two lines
    GOOD.encode()[:-1] + b"\n",             # one hex digit short (a truncated write)
    b"",                                    # an empty receipt: the write never finished
], ids=["binary", "garbled-tail", "text", "two-lines", "short", "empty"])
def test_a_receipt_that_is_not_a_sha256_is_one_line_naming_it(model, content):
    receipt_file = model.with_name(model.name + artifacts.RECEIPT_SUFFIX)
    receipt_file.write_bytes(content)
    with pytest.raises(ModelIntegrityError) as err:
        artifacts.receipt(model)
    message = str(err.value)
    assert "\n" not in message and str(receipt_file) in message and "sha256" in message
    assert receipt_file.read_bytes() == content  # left as it was, for whoever looks


def test_a_huge_receipt_is_not_read_whole_nor_echoed(model):
    receipt_file = model.with_name(model.name + artifacts.RECEIPT_SUFFIX)
    receipt_file.write_bytes(b"a" * (4 << 20))
    with pytest.raises(ModelIntegrityError) as err:
        artifacts.receipt(model)
    assert len(str(err.value)) < 600


def test_a_receipt_that_is_a_directory_or_unreadable_is_one_line(model):
    receipt_file = model.with_name(model.name + artifacts.RECEIPT_SUFFIX)
    receipt_file.mkdir()
    with pytest.raises(ModelIntegrityError, match="cannot read"):
        artifacts.receipt(model)


def test_validate_export_names_a_garbled_receipt(model):
    """The reader that uses it (serving validation): one ModelIntegrityError, nothing loaded."""
    import pandas as pd

    from ctloop.serving.validate import validate_export

    model.with_name(model.name + artifacts.RECEIPT_SUFFIX).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ModelIntegrityError, match="model.joblib.sha256"):
        validate_export(model, object(), pd.DataFrame({"a": [1.0]}), trained_sklearn="")
