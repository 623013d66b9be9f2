"""A report evidently cannot render no longer fails ``detect_drift`` and loses its verdict.

``render_html`` ran unguarded in the component: evidently failing after the verdict (0.7.23,
``legacy/utils/dashboard.py`` ``dashboard_info_to_json``: ``Object of type bytes is not JSON
serializable``; or ``'<' not supported`` sorting a mixed column) was a traceback, the step failed
and ``drifted``/``retrain`` never reached the pipeline, where ``ctloop drift`` keeps drift.json and
exits 1. Now the step writes a one-line page naming the failure, logs one line and returns the
verdict.
"""

from __future__ import annotations

from tests.component.test_drift_component import champion, current_artifact, frame, run, tracking  # noqa: F401


def test_a_failed_report_keeps_the_verdict(tmp_path, tracking, champion, monkeypatch, capsys):  # noqa: F811
    import evidently

    def boom(self, *args, **kwargs):  # evidently's own failure, raised where it raises it
        raise TypeError("Object of type bytes is not JSON serializable")

    monkeypatch.setattr(evidently.Report, "run", boom)
    shifted = current_artifact(tmp_path, frame(3000, shift=1.0, seed=2))
    out, report, metrics = run(tmp_path, shifted, tracking, report_sample_size=500)
    assert (out.drifted, out.retrain, out.champion_version) == (True, True, champion)
    assert metrics.metadata["drifted_income"] == 1
    page = open(report.path).read()
    assert "Object of type bytes is not JSON serializable" in page and "TypeError" in page
    assert report.metadata["report_error"] == "TypeError: Object of type bytes is not JSON serializable"
    assert report.metadata["champion_version"] == champion
    logged = [line for line in capsys.readouterr().out.splitlines() if "report failed" in line]
    assert len(logged) == 1 and "Object of type bytes" in logged[0]
