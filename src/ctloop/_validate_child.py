"""The process in which :func:`ctloop.serving.validate.validate_export` loads and predicts with the
exported model files: ``python -m ctloop._validate_child ROWS OUT FILES TRUSTED LIBRARIES``.

Arguments: the sample rows (parquet), the JSON file to write (``sklearn``: its version,
``versions``: each of ``LIBRARIES``' installed version, ``pred``: each file's predictions),
``FILES`` as JSON ``[[path, sha256, where that hash was recorded], ...]``, the trusted skops types
and the model libraries as JSON lists. Exit code 3 with the reason on stderr: a file whose sha256
is not the expected one (never loaded).

A module, not ``python -c``, so that during a local pipeline run the warm task server forks it
(:data:`ctloop._taskshim.HANDED_OFF`, when the interpreter is the server's own): scikit-learn,
pandas and skops are then imported once per run, not once per validation (~3-4 s each). Top-level
``ctloop`` module: ``ctloop.serving``'s package would be imported first otherwise.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> None:
    from importlib import metadata

    import pandas as pd
    import sklearn

    from ctloop.artifacts import load_verified
    from ctloop.errors import CtloopError

    rows_path, out_path, files, trusted, libraries = argv
    rows = pd.read_parquet(rows_path)
    preds = {}
    versions = {}
    for dist in json.loads(libraries):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = ""
    for path, sha, source in json.loads(files):
        try:
            model = load_verified(path, sha, recorded_in=source, trusted=json.loads(trusted))
        except CtloopError as exc:
            print(exc, file=sys.stderr)
            sys.exit(3)
        out = model.predict_proba(rows) if hasattr(model, "predict_proba") else model.predict(rows)
        preds[path] = out.tolist()
    with open(out_path, "w") as fh:
        json.dump({"sklearn": sklearn.__version__, "versions": versions, "pred": preds}, fh)


if __name__ == "__main__":
    main(sys.argv[1:])
