"""The drift engine: evidently 0.7's ``DataDriftPreset`` statistics on NumPy arrays.

* :mod:`ctloop.drift.stats` — per-column statistics and the automatic method choice;
* :mod:`ctloop.drift.engine` — :func:`~ctloop.drift.engine.detect` (a reference frame against a
  current frame, the dataset rule), calibration of thresholds on the reference;
* :mod:`ctloop.drift.report` — the evidently HTML report on a seeded sample.

Used by the ``detect_drift`` component, monitoring, the backtest and ``ctloop drift``.
"""
