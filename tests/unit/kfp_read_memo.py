"""kfp's pipeline-package reader remembered per test process: the same bytes give the same specs.

``kfp.Client`` reads a pipeline package at every run it creates from one
(``Client._create_job_config`` -> ``_extract_pipeline_yaml``, kfp 2.17 ``kfp/client/client.py``;
ctloop's ``Platform._start_run`` calls it at every ``trigger``, ``approve`` and keyed run) with
PyYAML's pure-Python ``safe_load_all``: ~1 s of CPU for the continuous-training pipeline (257 kB),
~40 % of tests/unit's KFP files. What it returns is a function of the package's bytes only (and
of the locale's encoding, with which it opens a ``.yaml`` file; the file's suffix chooses how it is
read), so a second read of equal bytes gets fresh copies of the protos the first one parsed (the
caller changes them in place: ``_override_caching_options``). The first read of each package in a
process is kfp's own, and so is every read that fails (nothing is remembered of it). The twin of
tests/fixtures/kfp_compile_memo.py (kfp's writer); tests/unit/test_r60_kfp_read_memo.py shows it.
"""

from __future__ import annotations

import locale
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_MAX = 16  # packages remembered (a key holds the package's bytes: ~20-260 kB each)


class ReadMemo:
    def __init__(self) -> None:
        self.original: Callable | None = None
        self.docs: OrderedDict[tuple, tuple[type, list[tuple[type, bytes]]]] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0
        self.off = False

    @contextmanager
    def bypassed(self) -> Iterator[None]:
        """kfp's own reader at every call inside."""
        self.off = True
        try:
            yield
        finally:
            self.off = False

    def read(self, package_file: str) -> Any:
        if self.off:
            return self.original(package_file)
        try:
            with open(package_file, "rb") as fh:
                data = fh.read()
        except (OSError, TypeError, ValueError):
            return self.original(package_file)  # kfp's own error
        name = str(package_file)
        kind = next((s for s in (".tar.gz", ".tgz", ".zip", ".yaml", ".yml") if name.endswith(s)), name)
        key = (kind, locale.getpreferredencoding(False), data)
        with self.lock:
            known = self.docs.get(key)
            if known is not None:
                self.docs.move_to_end(key)
                self.hits += 1
        if known is None:
            doc = self.original(package_file)
            with self.lock:
                self.docs[key] = (type(doc), [(type(spec), spec.SerializeToString())
                                              for spec in (doc.pipeline_spec, doc.platform_spec)])
                while len(self.docs) > _MAX:
                    self.docs.popitem(last=False)
            return doc
        cls, specs = known
        pipeline_spec, platform_spec = (proto.FromString(data) for proto, data in specs)
        return cls(pipeline_spec=pipeline_spec, platform_spec=platform_spec)

    def installed(self) -> None:
        """In place once kfp's client is imported (by collection or a test): called before each test."""
        client = sys.modules.get("kfp.client.client")
        if client is None or client._extract_pipeline_yaml == self.read:
            return
        if self.original is None:
            self.original = client._extract_pipeline_yaml
        client._extract_pipeline_yaml = self.read

    def removed(self) -> None:
        client = sys.modules.get("kfp.client.client")
        if self.original is not None and client is not None:
            client._extract_pipeline_yaml = self.original

