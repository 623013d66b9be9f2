"""``compare(jobs=N)`` sent its processes' notes (warnings) on a ``multiprocessing.Queue``, whose
``put`` hands them to a feeder thread: a replay's report could reach this process before its last
notes were in the pipe, and once the pool joined that worker, a feeder blocked on a full pipe
(~64 KiB of notes near the end of a replay) kept it alive for ever: the comparison hung (the
"joining processes that use queues" deadlock of the multiprocessing docs). A note's text was cut
in characters with its file name whole, so its message could be over PIPE_BUF (4096 bytes): a
process ended mid-write left half a message, and reading it waited for ever; and a cut note ended
mid-word. Now each note is written whole before the report leaves (``SimpleQueue``), every message
is one atomic write, and a cut note ends with "…"."""

import pickle
import select
import subprocess
import sys
import textwrap
import warnings
from multiprocessing import get_context

from ctloop.backtest import _send_note, _show_notes

_NOISY = textwrap.dedent('''
    import itertools, sys, time, warnings
    import numpy as np, pandas as pd
    from sklearn.linear_model import LogisticRegression
    from ctloop.backtest import BacktestConfig, compare
    from ctloop.config import GateConfig, TrainingConfig

    _n = itertools.count()

    class Noisy(LogisticRegression):
        """A user's estimator whose fit warns a lot, each note long and distinct."""
        def fit(self, X, y, sample_weight=None):
            out = super().fit(X, y, sample_weight=sample_weight)
            for _ in range(400):
                warnings.warn(f"note {next(_n)} " + "x" * 990, UserWarning)
            return out

        def predict_proba(self, X):  # the replay's last calls: its notes still queued as its report leaves
            for _ in range(100):
                warnings.warn(f"note {next(_n)} " + "x" * 990, UserWarning)
            return super().predict_proba(X)

    if __name__ == "__main__":
        sys.modules.setdefault("noisy_fix47e2", sys.modules["__main__"])
        rng = np.random.default_rng(47)
        n = 300
        f = pd.DataFrame({"ts": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.random(n)) * 3, unit="D"),
                          "f1": rng.integers(30, 60, n), "f5": rng.normal(40, 10, n)})
        f["anomaly"] = (f["f1"] > 52) | (rng.random(n) < 0.05)
        cfg = BacktestConfig(target="anomaly", time_column="ts", window="1D", train_window="1D",
                             training=TrainingConfig(estimator="noisy_fix47e2:Noisy",
                                                     trusted_types=["noisy_fix47e2.Noisy"]),
                             gate=GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=5))
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            reports = compare(f, cfg, ["never", "always"], jobs=2)
        print(sorted(reports), reports["always"].retrains,
              len({str(w.message) for w in seen if str(w.message).startswith("note ")}))
''')


def test_a_noisy_estimator_under_jobs_2_does_not_hang_the_comparison(tmp_path):
    """Hung on 5 of 6 runs before (each replay's last fit left ~400 KB of notes to the feeder)."""
    (tmp_path / "noisy_fix47e2.py").write_text(_NOISY)
    env_path = ":".join([str(tmp_path), *sys.path])
    done = subprocess.run([sys.executable, str(tmp_path / "noisy_fix47e2.py")], capture_output=True, text=True,
                          timeout=180, env={"PYTHONPATH": env_path, "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    policies, retrains, notes = done.stdout.split("] ")[0] + "]", *done.stdout.split("] ")[1].split()
    assert policies == "['always', 'never']"
    # every note of every fit came back (the fits of both replays: 400 each, numbered per process)
    assert int(retrains) > 0 and int(notes) >= 400 * (int(retrains) + 1) // 2, done.stdout


def _sent(message, filename="model.py", category=UserWarning):
    ctx = get_context("spawn")
    notes = ctx.SimpleQueue()
    _send_note(notes, message, category, filename, 3)
    assert not notes.empty()
    raw = notes._reader.recv_bytes()  # the bytes of the one message, as written
    assert notes.empty()
    notes.close()
    return raw


def test_every_note_is_one_atomic_write_whatever_its_characters_and_file_name():
    """PIPE_BUF (4096 bytes on Linux): a write of at most that many bytes to a pipe is whole or
    not at all, so a process ended mid-write never leaves half a message to read for ever."""
    long_path = "/home/ml/.venv/lib/python3.11/site-packages/" + "acme_models/" * 60 + "estimators.py"
    for ch in ("x", "é", "€", "😀"):
        raw = _sent(f"{0:06d} " + ch * 5000, long_path)
        assert len(raw) + 4 <= select.PIPE_BUF, (ch, len(raw))  # + send_bytes's length header
        text, _category, filename, lineno = pickle.loads(raw)
        assert text.endswith(ch + "…") and text.startswith("000000 " + ch)
        assert filename.endswith("acme_models/estimators.py") and len(filename) <= 200
        assert lineno == 3


def test_a_short_note_goes_whole_and_a_long_one_says_it_was_cut():
    text, *_ = pickle.loads(_sent("a short note"))
    assert text == "a short note"
    text, *_ = pickle.loads(_sent("word " * 2000))
    assert text.endswith("…") and 2000 < len(text.encode()) < 4096


def test_a_note_with_a_lone_surrogate_still_goes():
    """A file name read with ``surrogateescape`` in the note: encoding it strictly raised in
    ``showwarning``, i.e. inside the user's ``warnings.warn``."""
    text, *_ = pickle.loads(_sent("cannot read /data/\udce9t\u00e9.csv " * 300))
    assert text.startswith("cannot read /data/\udce9t\u00e9.csv") and text.endswith("…")


def test_the_notes_on_a_simple_queue_are_shown_here():
    ctx = get_context("spawn")
    notes = ctx.SimpleQueue()
    _send_note(notes, "first", RuntimeWarning, "model.py", 3)
    _send_note(notes, "second", UserWarning, "model.py", 4)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _show_notes(notes)
    assert [(str(w.message), w.category) for w in seen] == [("first", RuntimeWarning), ("second", UserWarning)]
    assert notes.empty()
    notes.close()
