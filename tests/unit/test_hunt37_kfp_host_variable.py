"""The help of ``kfp.host`` and ``ctloop approve --host`` named ``KFP_HOST``, which ctloop never
reads: the variable it (and kfp 2.17.0 ``Client``, ``kfp/client/client.py``) takes is
``KF_PIPELINES_ENDPOINT``. A user who set ``KFP_HOST`` as told got kfp.Client's discovery instead:
the API-server proxy of whatever kubeconfig context was current, possibly another cluster."""

from __future__ import annotations

import argparse

from ctloop.cli import build_parser
from ctloop.config import KfpConfig
from ctloop.ops.platform import HOST_ENV


def _helps(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _helps(sub)
        elif action.help:
            yield action.help


def test_the_host_variable_named_is_the_one_read():
    assert HOST_ENV == "KF_PIPELINES_ENDPOINT"
    assert HOST_ENV in KfpConfig.doc_of("host") and "KFP_HOST" not in KfpConfig.doc_of("host")
    assert not [h for h in _helps(build_parser()) if "KFP_HOST" in h]
