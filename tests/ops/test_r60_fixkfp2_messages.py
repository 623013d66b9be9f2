"""Wording of two KFP lines (round 60 review 2: L7): the in-cluster route's fallback fix had parentheses inside
parentheses and offered ``ctloop doctor --kfp-namespace`` to a pod (a task, ``ctloop apply`` in a pod), and the
reason was cut mid-word by ``[:200]`` / ``[:300]`` where every other line uses ``_cut``."""

from __future__ import annotations

import pytest

from ctloop.ops.platform import KfpAuth, _network_error

IN_CLUSTER = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
LONG = "Failed to establish a new connection: [Errno 111] Connection refused by the ml-pipeline service " * 4


def _nested(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        if depth > 1:
            return True
        depth -= ch == ")"
    return False


def test_the_in_cluster_fix_names_the_pods_settings_without_nesting():
    line = _network_error(ConnectionRefusedError(LONG), IN_CLUSTER, 5, KfpAuth(""))
    fix = line.split(" — fix: ", 1)[1]
    assert not _nested(fix), fix
    assert "ctloop doctor" not in fix, fix
    assert "KFP_INSTALL_NAMESPACE" in fix and "ctloop-settings" in fix and "--kfp-namespace" in fix, fix
    # kfp.install_namespace (ctloop.yaml) only where the command reads -f (round 61 review of --kfp-namespace, M1)


@pytest.mark.parametrize("url", [IN_CLUSTER, "https://kfp.example.com"])
def test_the_reason_is_cut_at_a_word(url):
    line = _network_error(ConnectionRefusedError(LONG), url, 5, KfpAuth(""))
    said = line.split(": ", 1)[1].split(" — fix: ", 1)[0]
    assert said.endswith(" …") and LONG.startswith(said[:-2]) and LONG[len(said) - 2] == " ", said


def test_the_google_setup_failure_is_cut_at_a_word():
    from ctloop.ops import platform

    source = open(platform.__file__).read()
    assert "one_line(str(setup))[:300]" not in source and "str(reason)[:200]" not in source
