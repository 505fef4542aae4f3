"""The demo carrier service is a program of its own: nothing of the assistant imports it."""

from __future__ import annotations

import ast

import pytest

from delivery.settings import PROJECT_ROOT


@pytest.mark.parametrize("package", ["delivery", "bot", "actions"])
def test_the_assistant_never_imports_the_demo_carriers(package: str) -> None:
    offenders = []
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "democarrier" for name in names):
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []
