"""``_point_challenger``'s last pass (round 52, final review).

Three passes each read the versions and the alias, then write the newest READY version; a newer
version deleted as its write arrives (not found) is skipped and read again. When the third pass's
write *succeeded* (two newer versions gone, the third written), or a concurrent run moved the alias
on meanwhile, the loop still ended as if unwritten: "not pointed ... each gone when written", and
``register`` deleted this run's version for it. The alias is read once more before that error.

A double of MLflow's client (``search_model_versions``, ``get_registered_model().aliases``,
``set_registered_model_alias``, ``get_experiment_by_name``, mlflow 3.17.2 ``MlflowClient``; a deleted version's alias write is
``RESOURCE_DOES_NOT_EXIST``, as its sqlite store answers): no server, the passes scripted."""

from __future__ import annotations

import types

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST

from ctloop.registry import CHALLENGER, TAG_REGISTRATION_ID, MlflowRegistry


class ClientDouble:
    """Versions and the alias of one model; ``on_write(double, version)`` runs before each write."""

    def __init__(self, versions, on_write):
        self.versions, self.alias, self.on_write, self.writes = set(versions), None, on_write, []

    def search_model_versions(self, *_args, **_kw):
        return [
            types.SimpleNamespace(name="m", version=str(v), status="READY", tags={TAG_REGISTRATION_ID: "0" * 32})
            for v in sorted(self.versions)
        ]

    def get_experiment_by_name(self, _name):
        return None  # no audit experiment: this model was never promoted (MlflowClient answers None)

    def get_registered_model(self, _name):
        return types.SimpleNamespace(aliases={CHALLENGER: self.alias} if self.alias else {})

    def set_registered_model_alias(self, _name, _alias, version):
        self.writes.append(version)
        self.on_write(self, int(version))
        if int(version) not in self.versions:
            raise MlflowException("not found", error_code=RESOURCE_DOES_NOT_EXIST)
        self.alias = version


def _registry(client) -> MlflowRegistry:
    reg = MlflowRegistry.__new__(MlflowRegistry)
    reg.client = client
    return reg


def test_a_write_that_succeeded_on_the_third_pass_is_no_error():
    def two_gone(double, version):  # the concurrent run's v2, then v3, deleted as written; v4 stays
        if len(double.writes) <= 2 and version != 1:
            double.versions.discard(version)
            double.versions.add(version + 1)

    double = ClientDouble({1, 2}, two_gone)
    _registry(double)._point_challenger(
        "m", 1
    )  # raised "not pointed ... v2, v3 each gone when written"
    assert double.writes == ["2", "3", "4"] and double.alias == "4"


def test_a_concurrent_run_that_moved_the_alias_on_is_no_error():
    def three_gone_then_another_run(double, version):
        if version != 1 and len(double.writes) <= 3:
            double.versions.discard(version)
            if len(double.writes) == 3:  # another run registered v5, pointed it and read it back
                double.versions.add(5)
                double.alias = "5"
            else:
                double.versions.add(version + 1)

    double = ClientDouble({1, 2}, three_gone_then_another_run)
    _registry(double)._point_challenger("m", 1)
    assert double.alias == "5" and "1" not in double.writes  # never written back over v5
