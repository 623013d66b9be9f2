"""Links into the docs resolve: every ``<file>.md#anchor`` named in the docs, the README, the
sources and the examples names a file that exists and a heading of it (GitHub's anchors: lower
case, punctuation dropped, blanks as ``-``, a repeated heading ``-1``, ``-2``…). A renamed heading
or a section never written left links to nowhere (docs/configuration.md#resources and
#data-contract, named by error messages and examples/ctloop.yaml)."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import REPO

# a Markdown link to a .md file (relative), and a ``docs/….md[#anchor]`` named anywhere (error
# messages, docstrings, YAML comments)
MD_LINK = re.compile(r"\]\(<?(?!\w+:)(?P<path>[^)#\s>]*?\.md|)(?:#(?P<anchor>[\w-]+))?>?(?:\s+\"[^\"]*\")?\)")
NAMED = re.compile(r"(?<![\w/.-])(?P<path>docs/[\w./-]+\.md)\b(?:#(?P<anchor>[\w-]+))?")


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: its text (a link's text, no URL; no HTML tags,
    emphasis or closing ``#``s) in lower case, punctuation dropped, blanks as ``-``."""
    text = re.sub(r"\s+#+\s*$", "", heading.strip())
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [text](url) -> text
    text = re.sub(r"<[^>]+>", "", text)
    # emphasis markers outside code spans (`__init__` keeps its underscores, __bold__ loses them)
    text = "".join(part if i % 2 else re.sub(r"(\*+|(?<!\w)_+|_+(?!\w))", "", part)
                   for i, part in enumerate(re.split(r"(`[^`]*`)", text)))
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    out: set[str] = set()
    fence = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        mark = re.match(r"\s{0,3}(`{3,}|~{3,})", line)
        if mark and (not fence or mark.group(1)[0] == fence[0] and len(mark.group(1)) >= len(fence)):
            fence = "" if fence else mark.group(1)
            continue
        if fence or not re.match(r"#{1,6}\s", line):
            continue
        base, n = slug(line.lstrip("#")), 0
        while (anchor := base if n == 0 else f"{base}-{n}") in out:  # a repeat: the first free -N
            n += 1
        out.add(anchor)
    return frozenset(out)


def sources() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.md", "*.py", "*.yaml", "*.yml"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split()
    return [REPO / p for p in listed if not p.startswith(("tests/", "benchmarks/results/"))]


def links() -> list[tuple[str, int, str, str | None]]:
    found = []
    for path in sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in (*(MD_LINK.finditer(line) if path.suffix == ".md" else ()), *NAMED.finditer(line)):
                found.append((str(path.relative_to(REPO)), number, m["path"], m["anchor"]))
    return found


def resolve(source: str, target: str) -> Path | None:
    """The file a link names: relative to the linking file's folder (Markdown), else to the repo
    root (a source naming ``docs/….md``); ``""`` (a ``#anchor`` alone) is the linking file."""
    if not target:
        return REPO / source
    for base in ((REPO / source).parent, REPO):
        if (base / target).is_file():
            return base / target
    return None


def ours(source: str, target: str) -> bool:
    """Whether a link names a file of this repository: its folder exists here."""
    folder = Path(target).parent
    return any((base / folder).is_dir() for base in ((REPO / source).parent, REPO))


def test_the_checker_reads_github_anchors():
    assert slug(" `resources` — StepResources") == "resources--stepresources"
    assert slug(" Fresh half 2 (stop 34)") == "fresh-half-2-stop-34"
    assert slug(" What is stored: the row contract") == "what-is-stored-the-row-contract"
    assert slug(" [Storage](storage.md) setup") == "storage-setup"
    assert slug(" Closing ##") == "closing"
    assert slug(" `__init__` and *emphasis* of snake_case") == "__init__-and-emphasis-of-snake_case"
    assert slug(" __init__ and *emphasis*") == "init-and-emphasis"


def test_every_docs_link_names_a_file_and_a_heading():
    broken = []
    for source, number, target, anchor in links():
        if not source.endswith(".md") and not ours(source, target):
            continue  # a source naming another project's docs/… path (kserve's docs/predict-api/…)
        path = resolve(source, target)
        if path is None:
            broken.append(f"{source}:{number}: {target} does not exist")
        elif anchor and anchor not in anchors(path):
            broken.append(f"{source}:{number}: {target}#{anchor}: no such heading")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("target", ["docs/configuration.md"])
def test_the_generated_reference_is_linked_by_its_anchors(target):
    assert "data-contract" in anchors(REPO / target)
    assert "resources--stepresources" in anchors(REPO / target)


def test_the_data_contract_section_documents_every_key_and_its_example_parses():
    """The section ``data.contract`` links to lists exactly the keys the contract accepts, and its
    example is a contract ``DataContract.from_dict`` takes."""
    import yaml

    from ctloop import contract

    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text.split("## Data contract", 1)[1]
    example = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])["contract"]
    parsed = contract.DataContract.from_dict(example)
    assert parsed.min_rows == 500 and parsed.rule("income").max_null_fraction == 0.01
    assert set(contract.COLUMN_KEYS) == contract._COLUMN_KEYS
    for key in (*contract.CONTRACT_KEYS, *contract.COLUMN_KEYS):
        assert f"| `{key}` |" in section, key


def test_the_documented_contract_keys_are_the_keys_a_contract_takes():
    from ctloop import contract
    from ctloop.errors import ConfigError

    for key in contract.CONTRACT_KEYS:
        contract.DataContract.from_dict({key: {"columns": {}, "min_rows": 1, "description": ""}[key]})
    with pytest.raises(ConfigError, match="unknown key"):
        contract.DataContract.from_dict({"min_row": 5})
