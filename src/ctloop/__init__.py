"""ctloop: continuous training for scikit-learn models on Kubeflow Pipelines.

Layout of the installed package:

* ``ctloop.components.<name>.core``      KFP-free logic, unit-tested in milliseconds.
* ``ctloop.components.<name>.component`` the thin KFP v2 interface over that core.
* ``ctloop.pipelines``                   pipelines composed from the components.
* ``ctloop.errors``                      the one exception hierarchy.
* ``ctloop.cli``                         the ``ctloop`` command.

Importing ``ctloop`` imports nothing heavy and reads one environment variable,
``CTLOOP_COMPILED_VERSION``: a compiled pipeline task sets it to the ctloop version it was compiled
with, and a task whose image runs another version stops here, before it does anything
(:func:`ctloop.image.check_compiled_version`): one ``error:`` line on stderr and exit code 2, as
the ``ctloop`` command ends on a ConfigError. Only a task pod has the variable, and its process
exists to run that one task; the check runs at this first import because each task's embedded
code imports ctloop first, and so does ``python -m ctloop`` in such a pod, whose ``main`` cannot
catch what its package's import raises.
"""

import sys as _sys

from ctloop._version import __version__
from ctloop.errors import ConfigError as _ConfigError
from ctloop.image import check_compiled_version as _check_compiled_version

try:
    _check_compiled_version()
except _ConfigError as _exc:
    print(f"error: {_exc}", file=_sys.stderr)
    raise SystemExit(2) from None

__all__ = ["__version__"]
