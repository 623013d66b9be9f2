"""Helpers for declaring ctloop components. Imports kfp: use only from component modules.

``component`` is ``kfp.dsl.component`` with the ctloop image and without the per-task
``pip install kfp`` step (the image already carries the pinned kfp; locally the venv does),
which costs ~0.75 s per task. Components never use ``packages_to_install``.
"""

from __future__ import annotations

from collections.abc import Callable

from kfp import dsl

from ctloop.image import DEFAULT_IMAGE


def component(func: Callable) -> dsl.python_component.PythonComponent:
    """Declare a ctloop component running in the ctloop image."""
    return dsl.component(func, base_image=DEFAULT_IMAGE, install_kfp_package=False)


__all__ = ["component"]
