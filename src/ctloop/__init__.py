"""ctloop: continuous training for scikit-learn models on Kubeflow Pipelines.

Layout of the installed package:

* ``ctloop.components.<name>.core``      KFP-free logic, unit-tested in milliseconds.
* ``ctloop.components.<name>.component`` the thin KFP v2 interface over that core.
* ``ctloop.pipelines``                   pipelines composed from the components.
* ``ctloop.errors``                      the one exception hierarchy.
* ``ctloop.cli``                         the ``ctloop`` command.

Importing ``ctloop`` imports nothing heavy and reads no environment variable.
"""

from ctloop._version import __version__

__all__ = ["__version__"]
