"""The layers point one way, and nothing dodges them with an import inside a function.

import-linter checks the layer contract (``.importlinter``, run by ``./tierdesk.sh test``); these
tests keep the part it cannot see: an import written inside a function is invisible to anyone
reading the module's head, so it is allowed only where it is the documented way to plug one app
into another at start-up (``AppConfig.ready()``) or is listed below with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tierdesk

SOURCE = Path(tierdesk.__file__).parent

# module -> why its function-local imports stay. Keep this list short and each reason true.
ALLOWED: dict[str, str] = {}


def function_local_imports() -> list[str]:
    """``module:line target`` for every import of a tierdesk module inside a function, other
    than in an ``AppConfig.ready()``."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == "ready" and path.name == "apps.py":
                continue
            for node in ast.walk(function):
                target = _tierdesk_target(node, module)
                if target:
                    found.append(f"{module}:{node.lineno} {target}")
    return sorted(set(found))


def _tierdesk_target(node: ast.AST, module: str) -> str | None:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return f"{module.rsplit('.', node.level)[0]}.{node.module or ''}"
        return node.module if (node.module or "").startswith("tierdesk") else None
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names if alias.name.startswith("tierdesk")]
        return names[0] if names else None
    return None


def test_no_function_local_import_dodges_the_layers():
    unexplained = [
        found for found in function_local_imports() if found.split(":")[0] not in ALLOWED
    ]
    assert unexplained == [], "\n".join(unexplained)
