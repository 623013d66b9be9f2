"""The component image: structural Dockerfile lint and the lock matching the package pins."""

import re
import tomllib

from packaging.requirements import Requirement

from ctloop.ops.lock import canonical, closure, project_requirements
from tests.helpers import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()
LOCK = REPO / "requirements" / "runtime.txt"


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonical(name)] = version
    return pins


def test_base_image_is_pinned_and_not_latest():
    froms = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, re.M)
    assert froms, "no FROM"
    for image in froms:
        assert ":" in image and not image.endswith(":latest"), image
        assert re.search(r":\d+\.\d+\.\d+", image), f"{image}: pin the Python patch version"


def test_runs_as_non_root():
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_pip_installs_are_locked_and_cacheless():
    for line in re.findall(r"pip install[^\n\\]*", DOCKERFILE):
        assert "--no-cache-dir" in line, line
        assert "--no-deps" in line, f"{line}: install the lock with --no-deps so nothing else is resolved"
    assert DOCKERFILE.index("COPY requirements/runtime.txt") < DOCKERFILE.index("COPY src"), \
        "copy the lock before the source so the dependency layer is cached"


def test_no_test_tools_or_kserve_in_the_image():
    pins = lock_pins()
    for banned in ("pytest", "ruff", "gcp-storage-emulator", "kserve", "kubernetes-validate"):
        assert banned not in pins, banned


def test_lock_pins_exactly_the_package_dependencies():
    pins = lock_pins()
    for req in project_requirements(REPO / "pyproject.toml"):
        (spec,) = req.specifier
        assert spec.operator == "==", f"{req}: runtime dependencies are pinned exactly"
        assert pins.get(canonical(req.name)) == spec.version, f"{req.name}: lock has {pins.get(canonical(req.name))}"


def test_lock_is_the_installed_closure():
    """Regenerate with `make lock` when this fails."""
    expected = closure(project_requirements(REPO / "pyproject.toml"))
    expected.pop("ctloop", None)
    assert lock_pins() == expected


def test_every_upper_bound_has_a_reason():
    text = (REPO / "pyproject.toml").read_text()
    deps = tomllib.loads(text)["project"]["dependencies"]
    for dep in deps:
        line = next(x for x in text.splitlines() if f'"{dep}"' in x)
        assert "#" in line and len(line.split("#", 1)[1].strip()) > 10, f"give a reason for the pin of {dep}"
        Requirement(dep)
