"""A pipeline name the Kubernetes pipeline store refuses was sent to KFP instead of refused up front.

kubeflow/pipelines 2.17.0 can keep pipelines as Kubernetes objects (``pipeline_store: kubernetes`` in its
healthz, ``backend/src/apiserver/main.go``): a pipeline's name is then a Kubernetes object name, a DNS-1123
subdomain (``storage/pipeline_store_kubernetes.go`` ``CreatePipeline``), which the database store does not
require. ``ctloop schedule --pipeline-name Credit_Training`` compiled the pipeline and uploaded it, and KFP
answered 400 with its own wording ("Use 'display_name' for human-readable labels", a field ctloop has no
flag for). ctloop knows the store from healthz: the name is now refused before anything is compiled or
sent, naming the flag and the value, exit 2; the database store keeps taking it.

Review H3: compiling is replaced by a failure here, so a check moved after the compile (or gone) fails
these tests (#3); the suggested name is itself a subdomain, never one refused too (#2).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.config import K8S_SUBDOMAIN
from ctloop.ops.platform import subdomain_example
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import IMAGE, TRIGGER_PARAMS, emptied, one_error_line

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


class Compiled(Exception):
    """Raised where the command would compile the pipeline: the name check let it through."""


@pytest.fixture(scope="module")
def _double():
    with KfpApiDouble() as double:  # one server for the module
        yield double


@pytest.fixture
def kfp(_double, monkeypatch, tmp_path):
    double = emptied(_double, monkeypatch, tmp_path)
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)

    def compile_one(*args, **kwargs):
        raise Compiled

    monkeypatch.setattr("ctloop.cli.ops._compile_one", compile_one)
    yield double
    double.pipeline_store = "database"


def _argv(command: str, url: str, name: str) -> list[str]:
    if command == "upload":
        return ["upload", "--host", url, "--pipeline-name", name]
    return [
        "schedule",
        "--host",
        url,
        "--cron",
        "0 0 3 * * *",
        "--pipeline-name",
        name,
        *TRIGGER_PARAMS,
    ]


@pytest.mark.parametrize("command", ["upload", "schedule"])
@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("Credit_Training", "credit-training"),
        ("Credit_.Training", "credit.training"),  # was credit-.training, refused too
        ("Credit..Training", "credit.training"),  # was credit..training
        ("___", ""),  # was continuous-training: no name of the user's, none suggested
    ],
)
def test_a_name_the_kubernetes_store_refuses_is_refused_before_the_compile(
    kfp, capsys, command, name, example
):
    kfp.pipeline_store = "kubernetes"
    code = main(_argv(command, kfp.url, name))
    line = one_error_line(capsys)
    assert kfp.writes() == [], [(c.method, c.path) for c in kfp.writes()]
    assert code == 2, line
    assert f"pipeline name {name!r}" in line and "Kubernetes" in line, line
    if example:
        assert line.endswith(f"— fix: give --pipeline-name such a name, e.g. {example}"), line
    else:
        assert line.endswith("— fix: give --pipeline-name such a name"), line


@pytest.mark.parametrize("command", ["upload", "schedule"])
def test_the_database_store_takes_the_name_on_to_the_compile(kfp, command):
    assert kfp.pipeline_store == "database"
    with pytest.raises(Compiled):
        main(_argv(command, kfp.url, "Credit_Training"))


@pytest.mark.parametrize(
    "name",
    ["Credit_.Training", "Credit..Training", ".a.", "-A-", "Ä" * 300, "a" * 252 + "_b", "x.-y-.z"],
)
def test_a_suggested_name_is_a_subdomain(name):
    example = subdomain_example(name)
    assert example == "" or (len(example) <= 253 and K8S_SUBDOMAIN.match(example)), example
    assert (
        subdomain_example("Credit_.Training") == "credit.training"
        and subdomain_example("___") == ""
    )
