"""Every in-thread HTTP server of the tests checks for ``shutdown()`` every
:data:`tests.fixtures.servers.SHUTDOWN_POLL_S`: at socketserver's default (``poll_interval=0.5``,
CPython 3.11 ``Lib/socketserver.py`` ``BaseServer.serve_forever``) ``shutdown()`` waited up to 0.5 s
(0.25 s on average) for the serving loop each time a test closed one (round 54: the registry
proxy of tests/integration/registry_support.py, started by the registry tests of ~20 files, and nine
doubles)."""

from __future__ import annotations

import ast

from tests.helpers import REPO


def _serve_forever_without_poll_interval(tree: ast.AST) -> list[int]:
    """Lines of ``X.serve_forever(...)`` calls and ``Thread(target=X.serve_forever, ...)`` that do
    not pass ``poll_interval``."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr == "serve_forever":
            if not node.args and not any(k.arg == "poll_interval" for k in node.keywords):
                lines.append(node.lineno)
        target = next((k.value for k in node.keywords if k.arg == "target"), None)
        if isinstance(target, ast.Attribute) and target.attr == "serve_forever":
            kwargs = next((k.value for k in node.keywords if k.arg == "kwargs"), None)
            keys = (
                [k.value for k in kwargs.keys if isinstance(k, ast.Constant)]
                if isinstance(kwargs, ast.Dict)
                else []
            )
            if "poll_interval" not in keys:
                lines.append(node.lineno)
    return lines


def _sources_naming(word: str) -> list[tuple]:
    """``(path, text)`` of the test sources that hold ``word`` (only those are parsed: all ~1,500 cost 6 s)."""
    found = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        text = path.read_text()
        if word in text:
            found.append((path, text))
    return found


def test_every_test_server_polls_for_shutdown_quickly():
    slow = [
        f"{path.relative_to(REPO)}:{line}"
        for path, text in _sources_naming("serve_forever")
        for line in _serve_forever_without_poll_interval(ast.parse(text, str(path)))
    ]
    assert slow == [], (
        f"serve_forever at socketserver's 0.5 s poll (pass poll_interval=SHUTDOWN_POLL_S): {slow}"
    )


def test_the_check_finds_both_forms():
    source = "Thread(target=s.serve_forever, daemon=True)\ns.serve_forever()\nThread(target=s.serve_forever, kwargs={'poll_interval': P})\ns.serve_forever(poll_interval=P)\n"
    assert _serve_forever_without_poll_interval(ast.parse(source)) == [1, 2]
