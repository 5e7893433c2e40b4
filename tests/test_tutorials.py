"""Every tutorial and guide runs: the Python code blocks of each document, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOCUMENTS = sorted((DOCS / "tutorials").glob("*.md")) + [DOCS / "stepping-through.md"]
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def code_blocks(path: Path) -> list[str]:
    return CODE_BLOCK.findall(path.read_text())


def test_there_are_five_tutorials():
    assert [p.name[:2] for p in sorted((DOCS / "tutorials").glob("*.md"))] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_document_code_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = code_blocks(path)
    assert blocks, f"{path.name} has no python code blocks"
    namespace: dict = {"__name__": "__tutorial__"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{path.name}[block {number}]", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"{path.name}, code block {number} failed: {type(error).__name__}: {error}") from error
