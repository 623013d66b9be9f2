"""Every component argument and output is documented in its docstring (the interface docs)."""

import pytest

from tests.helpers import all_components

COMPONENTS = all_components()


def test_components_found():
    assert {"prepare-data", "train-model", "evaluate-model", "detect-drift", "register-model"} <= set(COMPONENTS)


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_every_argument_documented(name):
    comp = COMPONENTS[name]
    doc = comp.python_func.__doc__ or ""
    assert "Args:" in doc, f"{name}: docstring needs an Args: section"
    names = set(comp.component_spec.inputs or {}) | set(comp.component_spec.outputs or {})
    names.discard("Output")
    missing = sorted(n for n in names if f"{n}:" not in doc and f"{n} " not in doc.split("Args:")[-1])
    assert not missing, f"{name}: document {missing} in the docstring"


@pytest.mark.parametrize("name", sorted(COMPONENTS))
def test_no_packages_to_install(name):
    container = COMPONENTS[name].component_spec.implementation.container
    assert "pip install" not in " ".join(container.command or [])
