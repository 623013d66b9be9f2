"""Second review M1: the hold budget counts holds of the version on this InferenceService only (audit records
carry inference_service and namespace): three holds on staging are not prod's."""
from ctloop.serving import release


class _Registry:
    def __init__(self, records):
        self.records = records

    def audit_log(self, model_name, max_results=None):
        return self.records


def _held(service, namespace, version="5"):
    return {"event": "analysis", "held_for": release.INSUFFICIENT_EVIDENCE, "version": version,
            "inference_service": service, "namespace": namespace}


def test_holds_on_another_service_are_not_counted():
    reg = _Registry([_held("credit", "staging")] * 3 + [_held("credit", "prod"), _held("credit", "prod", "4")])
    assert release._holds(reg, "m", "5", "credit", "prod") == 1
    assert release._holds(reg, "m", "5", "credit", "staging") == 3
