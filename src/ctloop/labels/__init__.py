"""Ground truth that arrives after the prediction.

* :mod:`ctloop.labels.store` — the label store: ingest (CSV/Parquet, local or object store) and read;
* :mod:`ctloop.labels.join` — logged predictions joined with their latest label;
* :mod:`ctloop.labels.realized` — realized metrics per model version / revision / time window.

``ctloop labels ingest|report`` is :mod:`ctloop.cli.labels`.
"""
