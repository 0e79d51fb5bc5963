"""The package keeps small modules and short functions: none over 400 and 50 lines.

A module or function over a limit would be listed below with its reason; none is. The lists can
only shrink: an entry that no longer exceeds its limit fails the test until it is removed, and
anything new over a limit fails it until it is split.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

CHECKER = Path(__file__).resolve().parents[1] / "checker"
MODULE_LIMIT = 400
FUNCTION_LIMIT = 50

# Modules over MODULE_LIMIT lines, by path below checker/, each with why it still is. All of them
# are to be split by job; the reason says what the module still holds together.
LONG_MODULES: dict[str, str] = {}

# Functions over FUNCTION_LIMIT lines, as module:qualified.name, each with why it still is.
LONG_FUNCTIONS: dict[str, str] = {}


def functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Every function and method below tree by qualified name, with its length from def to last line."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + node.name
            yield name, (node.end_lineno or node.lineno) - node.lineno + 1
            yield from functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def measured() -> tuple[dict[str, int], dict[str, int]]:
    """The lengths of every module of the package and of every function in it."""
    modules: dict[str, int] = {}
    lengths: dict[str, int] = {}
    for path in sorted(CHECKER.rglob("*.py")):
        name = path.relative_to(CHECKER).as_posix()
        text = path.read_text(encoding="utf-8")
        modules[name] = len(text.splitlines())
        for function, length in functions(ast.parse(text, filename=str(path))):
            lengths[f"{name}:{function}"] = length
    return modules, lengths


MODULES, FUNCTIONS = measured()


def test_no_module_is_over_400_lines_but_the_listed_ones() -> None:
    over = {name: n for name, n in MODULES.items() if n > MODULE_LIMIT}

    assert {name: n for name, n in over.items() if name not in LONG_MODULES} == {}, "split these modules"
    assert sorted(set(LONG_MODULES) - set(over)) == [], "within the limit now: remove from LONG_MODULES"


def test_no_function_is_over_50_lines_but_the_listed_ones() -> None:
    over = {name: n for name, n in FUNCTIONS.items() if n > FUNCTION_LIMIT}

    assert {name: n for name, n in over.items() if name not in LONG_FUNCTIONS} == {}, "split these functions"
    assert sorted(set(LONG_FUNCTIONS) - set(over)) == [], "within the limit now: remove from LONG_FUNCTIONS"


def test_functions_are_measured_from_def_to_their_last_line_by_qualified_name() -> None:
    body = "".join(f"        x{i} = {i}\n" for i in range(49))
    method = f"class A:\n    @staticmethod\n    def f():\n{body}\n\n"
    nested = "def g():\n    def h():\n        return 1\n    return h\n"

    assert dict(functions(ast.parse(method + nested))) == {"A.f": 50, "g": 4, "g.h": 2}
