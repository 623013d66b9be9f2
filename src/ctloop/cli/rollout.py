"""Placeholder: this sub-command module is being written; it registers nothing yet."""


def register(subparsers) -> None:  # noqa: ARG001
    return None
