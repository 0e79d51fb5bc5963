"""Python sources and notebooks: imports (and boto3 clients) read with ast, never words in the text."""

from __future__ import annotations

import ast
import bisect
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from checker.inventory.detectors import Detector, Detectors
from checker.inventory.usage import Unread, Usage

_FROM = re.compile(r"from\s+")
# Notebook lines that are IPython syntax, not Python: magics, shell escapes and help.
_MAGIC = re.compile(r"\s*[%!?]")


def _column(lines: list[str], line: int, byte_offset: int) -> int:
    """The 1-based character column of a UTF-8 byte offset that ast gives."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1


def _dynamic(node: ast.Call, loaders: frozenset[str]) -> str | None:
    """The module named by importlib.import_module("x") or __import__("x"), if a constant."""
    func = node.func
    if isinstance(func, ast.Attribute):
        known = func.attr in ("import_module", "__import__")
    else:
        known = isinstance(func, ast.Name) and func.id in loaders
    named = [k.value for k in node.keywords if k.arg == "name"]
    if not known or not (node.args or named):
        return None
    first = node.args[0] if node.args else named[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _service(node: ast.Call) -> ast.Constant | None:
    """The service-name constant of a call of .client(...) or .resource(...), if any."""
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("client", "resource"):
        return None
    candidates = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "service_name")]
    for arg in candidates:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg
    return None


# The parts of a statement that hold other statements; every other part is its own expressions.
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement (and except handler and match case), however deep in others, in order."""
    todo: list[Any] = list(reversed(tree.body))
    while todo:
        node = todo.pop()
        yield node
        for name in reversed(_BLOCKS):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                todo.extend(reversed(inner))


def _source_lines(text: str) -> list[str]:
    """The lines of a source as Python counts them: only \\n, \\r\\n and \\r end one."""
    return re.split(r"\r\n|\r|\n", text)


def _imports(tree: ast.Module, text: str, lines: list[str], detectors: Detectors) -> Iterator[Usage]:
    loaders = frozenset({"import_module", "__import__"})
    statements = list(_statements(tree))
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found = detectors.for_python(alias.name)
                if found is not None:
                    col = _column(lines, alias.lineno, alias.col_offset)
                    yield Usage(alias.lineno, col, found.id, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield from _import_from(node, lines, detectors)
            if node.module == "importlib":
                loaders |= {a.asname for a in node.names if a.name == "import_module" and a.asname}
    services = detectors.boto3_services()
    # Calls are looked for only in the statements on lines that name what they call.
    words = [*loaders, *services]
    marked = [number for number, line in enumerate(_source_lines(text), 1) if any(w in line for w in words)]
    if marked:
        yield from _calls(statements, marked, lines, detectors, loaders, services)


def _calls(
    statements: list[ast.AST],
    marked: list[int],
    lines: list[str],
    detectors: Detectors,
    loaders: frozenset[str],
    services: Mapping[str, Detector],
) -> Iterator[Usage]:
    for statement in statements:
        first = getattr(statement, "lineno", 1)
        last = getattr(statement, "end_lineno", None) or first
        at = bisect.bisect_left(marked, first)
        if at == len(marked) or marked[at] > last:
            continue
        # The statement's own expressions; the statements inside it are visited on their own.
        for name, value in ast.iter_fields(statement):
            parts = value if isinstance(value, list) else [value]
            for part in parts if name not in _BLOCKS else []:
                for node in ast.walk(part) if isinstance(part, ast.AST) else []:
                    if isinstance(node, ast.Call):
                        yield from _call(node, lines, detectors, loaders, services)


def _call(
    node: ast.Call,
    lines: list[str],
    detectors: Detectors,
    loaders: frozenset[str],
    services: Mapping[str, Detector],
) -> Iterator[Usage]:
    module = _dynamic(node, loaders)
    found = detectors.for_python(module) if module else None
    if found is not None:
        col = _column(lines, node.lineno, node.col_offset)
        yield Usage(node.lineno, col, found.id, f"import {module}")
    service = _service(node) if services else None
    name = service.value if service is not None and isinstance(service.value, str) else None
    if service is not None and name is not None and name in services:
        col = _column(lines, service.lineno, service.col_offset)
        yield Usage(service.lineno, col, services[name].id, f"boto3 client {name}")


def _import_from(node: ast.ImportFrom, lines: list[str], detectors: Detectors) -> Iterator[Usage]:
    module = node.module or ""
    found = detectors.for_python(module)
    if found is not None:
        # The module's name follows "from": point at it.
        text = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
        start = len(text.encode("utf-8")[: node.col_offset].decode("utf-8", "replace"))
        step = _FROM.match(text, start)
        col = (step.end() if step else start) + 1
        yield Usage(node.lineno, col, found.id, f"from {module} import")
        return
    for alias in node.names:
        # from google import genai imports the module google.genai.
        found = detectors.for_python(f"{module}.{alias.name}")
        if found is not None:
            col = _column(lines, alias.lineno, alias.col_offset)
            yield Usage(alias.lineno, col, found.id, f"from {module} import {alias.name}")


def python_usages(text: str, detectors: Detectors) -> list[Usage] | Unread:
    """The AI imports and clients of a Python source, or why it could not be read."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return Unread(exc.lineno or 1, f"it is not valid Python: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:
        return Unread(1, f"it cannot be parsed as Python: {exc}")
    # Python reads names in their NFKC form: what a call is named is looked for in that form too.
    probe = text if text.isascii() else unicodedata.normalize("NFKC", text)
    return sorted(set(_imports(tree, probe, _source_lines(text), detectors)))


_SOURCE_KEY = re.compile(r'\s*"source"\s*:')


def _cells(text: str) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Each code cell's source, with where each of its lines starts in the notebook (line, column).

    Jupyter writes one source line per JSON line, after the cell's "source" key; a cell written
    otherwise has every line placed at its key.
    """
    data = json.loads(text)
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise ValueError("it has no list of cells")
    file_lines = text.splitlines()
    keys = [i for i, line in enumerate(file_lines) if _SOURCE_KEY.match(line)]
    for index, cell in enumerate(cells):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if isinstance(source, str):
            source = source.splitlines(keepends=True)
        if not isinstance(source, list) or not all(isinstance(s, str) for s in source):
            raise ValueError(f"cell {index + 1} has a source that is not text")
        at = keys[index] if len(keys) == len(cells) else None
        starts = []
        for k in range(len(source)):
            row = at + 1 + k if at is not None and file_lines[at].rstrip().endswith("[") else at
            if row is None or row >= len(file_lines):
                starts.append((1, 1))
                continue
            quote = file_lines[row].find('"', file_lines[row].find(":") + 1 if row == at else 0)
            starts.append((row + 1, quote + 2))
        yield "".join(source), starts


def notebook_usages(
    text: str, detectors: Detectors, wanted: Callable[[str], bool] | None = None
) -> list[Usage] | Unread:
    """The AI imports of a notebook's code cells, placed on the notebook's own lines.

    wanted: a fast test of the cells' code as Jupyter joins it (JSON escapes decoded, a cell's
    lines joined), before any cell is parsed.
    """
    try:
        cells = list(_cells(text))
    except (ValueError, AttributeError, RecursionError) as exc:
        return Unread(1, f"it is not a notebook Charter can read: {exc}")
    if wanted is not None and not wanted("\n".join(source for source, _ in cells)):
        return []
    found: list[Usage] = []
    for source, starts in cells:
        code = "\n".join("" if _MAGIC.match(row) else row for row in source.splitlines())
        usages = python_usages(code, detectors)
        if isinstance(usages, Unread):
            where = starts[usages.line - 1][0] if 0 < usages.line <= len(starts) else 1
            return Unread(where, "a code cell " + usages.reason.removeprefix("it "))
        for usage in usages:
            line, column = starts[usage.line - 1] if usage.line <= len(starts) else (1, 1)
            found.append(usage._replace(line=line, column=column + usage.column - 1))
    return sorted(found)
