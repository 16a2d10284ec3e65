"""app/domain is pure (STYLE.md): it imports nothing of ours but itself, no web framework,
no database, no I/O, and reads no clock."""

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
MODULES = sorted(p for p in DOMAIN.glob("*.py"))
STDLIB = sys.stdlib_module_names
FORBIDDEN_STDLIB = {"os", "io", "socket", "subprocess", "pathlib", "shutil", "sqlite3", "urllib", "http", "asyncio", "random", "time"}
CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time")}


def imported(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_imports_only_the_domain_and_the_standard_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in imported(tree):
        top = name.split(".")[0]
        if top == "app":
            assert name == "app.domain" or name.startswith("app.domain."), f"{path.name} imports {name}"
        else:
            assert top in STDLIB or top == "__future__", f"{path.name} imports {name}"
            assert top not in FORBIDDEN_STDLIB, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_domain_module_reads_no_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK, f"{path.name} calls {node.value.id}.{node.attr}"
