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
(:func:`ctloop.image.check_compiled_version`).
"""

from ctloop._version import __version__
from ctloop.image import check_compiled_version as _check_compiled_version

_check_compiled_version()

__all__ = ["__version__"]
