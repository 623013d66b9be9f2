"""A garbage collection inside a test's warning-recording block does not put another object's
``ResourceWarning`` among the warnings the test reads (round 53).

Round 52's CI run failed in ``test_fix43e3_s3_probe``: its ``pytest.warns(UserWarning) as caught``
block read ``caught[0]``, and a collection that ran inside the block had recorded ``ResourceWarning:
unclosed <socket.socket ...>`` of a connection an earlier test in that worker had left behind, first.
``pytest.warns`` records with ``simplefilter("always")`` (pytest 8 ``recwarn.WarningsRecorder``), and a
finalizer's warning is recorded where the collector happens to run. tests/fixtures/gc_warnings.py
(installed by tests/conftest.py) sets such a ``ResourceWarning`` aside in every block that records all
warnings and warns it again when the block ends; a block that asks for ``ResourceWarning`` by name (the
leak tests, ``simplefilter("always", ResourceWarning)``, or ``make test PYTEST_ARGS="-W
always::ResourceWarning"``) still records it."""

from __future__ import annotations

import gc
import socket
import warnings

import pytest


def _collect() -> None:
    """A collection of the youngest generation, where :func:`_leave_an_unclosed_socket_to_the_collector`'s
    cycle is until one runs: the collector running in a block, as a full ``gc.collect()`` did, without
    walking every object the worker holds (1-2 s a call late in a serial run of tests/unit, round 55)."""
    gc.collect(0)


def _leave_an_unclosed_socket_to_the_collector() -> None:
    sock = socket.socket()
    holder = {"sock": sock}
    holder["self"] = holder  # a cycle: only a collection finalises the socket
    del sock, holder


def test_pytest_warns_reads_only_what_the_code_warned_of():
    _leave_an_unclosed_socket_to_the_collector()
    with pytest.warns(UserWarning) as caught:
        _collect()  # as if the collector ran here
        warnings.warn("the refusal", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == [
        "the refusal"
    ]  # before: "unclosed <socket.socket ..."


def test_catch_warnings_recording_everything_reads_only_what_the_code_warned_of():
    _leave_an_unclosed_socket_to_the_collector()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _collect()
        warnings.warn("the refusal", UserWarning, stacklevel=1)
    assert [w.category for w in caught] == [UserWarning]


def test_a_block_that_asks_for_resource_warnings_still_gets_them():
    _collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        _leave_an_unclosed_socket_to_the_collector()
        _collect()
    assert any("unclosed <socket.socket" in str(w.message) for w in caught), caught


def test_a_resource_warning_the_code_raises_itself_is_kept_where_asked_for_by_name():
    with pytest.warns(ResourceWarning, match="left open"):
        warnings.warn("left open", ResourceWarning, stacklevel=1)


def test_a_block_that_turns_warnings_into_errors_is_not_failed_by_a_collection():
    """``simplefilter("error")`` (a block asserting that the code warns of nothing): a collection inside
    it made the finalizer's ``ResourceWarning`` an exception the finalizer cannot raise, reported as
    unraisable, which pyproject.toml's ``error::pytest.PytestUnraisableExceptionWarning`` fails the
    test with, whichever test it is."""
    _collect()
    with warnings.catch_warnings(record=True) as reported:
        warnings.simplefilter("always", ResourceWarning)
        _leave_an_unclosed_socket_to_the_collector()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _collect()
    assert any(
        "unclosed <socket.socket" in str(w.message) for w in reported
    )  # reported, not raised
    with pytest.raises(UserWarning), warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.warn(
            "the refusal", UserWarning, stacklevel=1
        )  # what the code warns of is still an error


def test_what_a_block_set_aside_is_warned_again_when_it_ends():
    """The filters outside decide: under ``-W always::ResourceWarning`` (here an outer block naming it)
    the leak shows, under ``-W error::ResourceWarning`` it fails."""
    _collect()
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always", ResourceWarning)
        _leave_an_unclosed_socket_to_the_collector()
        with pytest.warns(UserWarning) as caught:
            _collect()
            warnings.warn("the refusal", UserWarning, stacklevel=1)
        assert [str(w.message) for w in caught] == ["the refusal"]
    assert any("unclosed <socket.socket" in str(w.message) for w in outside), outside


def test_a_filter_naming_resource_warning_for_one_message_keeps_only_that_message():
    _leave_an_unclosed_socket_to_the_collector()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("always", message="left open", category=ResourceWarning)
        _collect()
        warnings.warn("left open", ResourceWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["left open"]


def test_resource_warnings_named_as_errors_stay_errors_inside_an_error_block():
    """``-W error::ResourceWarning`` (here an outer filter) is not overridden by a test's
    ``simplefilter("error")``: a ResourceWarning the code raises is an error there."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ResourceWarning)
        with pytest.raises(ResourceWarning), warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.warn("left open", ResourceWarning, stacklevel=1)


def test_pytests_own_recorder_of_a_test_keeps_its_resource_warnings(request):
    """Round 53's review: pytest 9.2 opens its per-test recorder in ``_pytest.config``
    (``Config._catch_configured_warnings``), not in ``_pytest.warnings`` as pytest 8 did: the guard took
    it for a test's block and set the warning aside after pytest had read its log, so ``-W default``
    and ``-X dev`` summaries lost it."""
    with request.config._catch_configured_warnings(record=True) as records:
        warnings.simplefilter("always")
        warnings.warn("left open", ResourceWarning, stacklevel=1)
    assert [str(w.message) for w in records] == ["left open"]


def test_a_resource_warning_raised_at_the_end_of_a_failing_block_does_not_replace_its_error():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ResourceWarning)
        with pytest.raises(AssertionError, match="the block's own"):
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                warnings.warn_explicit("left open", ResourceWarning, "x.py", 1)
                raise AssertionError("the block's own")
