"""Schema validation of Charter documents, turning pydantic errors into located problems."""

from __future__ import annotations

import difflib
import functools
import re
import types
import typing
import unicodedata
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from checker import characters
from checker.document import Document, FieldPath
from checker.finding import SchemaProblem, field_path


def _models() -> dict[str, type[BaseModel]]:
    from checker.models import DOCUMENT_MODELS

    return DOCUMENT_MODELS


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as list[Component] | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin in (list, tuple, dict, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def model_at(model: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    """The model class that describes the mapping at path, if any."""
    current: type[BaseModel] | None = model
    for part in path:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = _field(current, part)
        current = _inner_model(field.annotation) if field is not None else None
    return current


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _trim(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Keep the parts of a pydantic loc that are document keys, dropping union branch tags."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        in_dict = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if in_dict or in_list:
            data = data[part]
            out.append(part)
        elif i == len(loc) - 1 and isinstance(part, (str, int)) and isinstance(data, dict):
            out.append(part)
    return tuple(out)


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _input(err: Any, doc: Document, path: FieldPath) -> str:
    """The offending value as the user wrote it: no rather than False, 3.10 rather than 3.1."""
    written = doc.spelling(path)
    return written if written is not None else _shown(err.get("input"))


def _as_read(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if value is None:
        return "no value (null)"
    return "a date"


def _sexagesimal(text: str) -> float:
    sign = -1 if text.startswith("-") else 1
    total = 0.0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        total = total * 60 + float(part)
    return sign * total


# Numbers YAML 1.1 reads in forms a reviewer may misread; Charter keeps them as text (yamlbuild).
_ODD_NUMBERS: list[tuple[re.Pattern[str], str, Callable[[str], float]]] = [
    (re.compile(r"[-+]?0x[0-9a-fA-F_]+"), "a hexadecimal number", lambda t: int(t.replace("_", ""), 16)),
    (re.compile(r"[-+]?0o[0-7_]+"), "an octal number", lambda t: int(t.replace("_", ""), 8)),
    (re.compile(r"[-+]?0b[01_]+"), "a binary number", lambda t: int(t.replace("_", ""), 2)),
    (
        re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"),
        "a base-60 number in YAML 1.1",
        _sexagesimal,
    ),
    (
        re.compile(r"[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"),
        "a number with digit separators (_)",
        lambda t: float(t.replace("_", "")),
    ),
    (
        re.compile(r"[-+]?[0-9]+[eE][-+]?[0-9]+"),
        "a number with an exponent but no decimal point, which YAML reads as text",
        float,
    ),
]


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _odd_number(text: str) -> str | None:
    """How to write text, a number in an unusual form, so that Charter reads it; None if it is not one."""
    if re.fullmatch(r"[-+]?0[0-7_]+", text):
        octal, decimal = int(text.replace("_", ""), 8), int(text.replace("_", ""), 10)
        return (
            f"{text} has a leading zero, which YAML 1.1 reads as octal ({octal}); Charter reads numbers "
            f"in plain decimal only: write {octal}, or {decimal} if that is what you meant"
        )
    for pattern, form, convert in _ODD_NUMBERS:
        if pattern.fullmatch(text):
            value = convert(text)
            if value in (float("inf"), float("-inf")):
                return f"{text} is too large to be a number"
            plain = _plain_number(value)
            return f"{text} is {form}; Charter reads numbers in plain decimal only: write {plain}"
    return None


def _non_ascii(text: str) -> str:
    char = next(c for c in text if not c.isascii())
    name = unicodedata.name(char, "")
    return f"{char!r} is U+{ord(char):04X}{' ' + name if name else ''}, not an ASCII character"


def _closest(word: str, options: list[str]) -> str | None:
    """The option word most likely stands for: the only one it begins, else the most similar."""
    # difflib alone takes 'prod' for 'proposed' rather than 'production'.
    starting = [o for o in options if word and o.lower().startswith(word.lower())]
    if len(starting) == 1:
        return starting[0]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


@functools.cache
def _pattern_meanings() -> dict[str, str]:
    """What each pattern of the document models stands for, from the description beside it."""
    from checker.models import base

    meanings: dict[str, str] = {}
    for value in vars(base).values():
        if typing.get_origin(value) is not typing.Annotated:
            continue
        extras = typing.get_args(value)[1:]
        patterns = [getattr(e, "pattern", None) for e in extras]
        descriptions = [e.description for e in extras if isinstance(e, FieldInfo) and e.description]
        pattern = next((p for p in patterns if isinstance(p, str)), None)
        description = descriptions[0] if descriptions else None
        if pattern and description:
            meanings[pattern] = description[0].lower() + description[1:].rstrip(".")
    return meanings


def _suggested_key(model: type[BaseModel], path: FieldPath) -> str | None:
    parent = model_at(model, path[:-1])
    return _closest(str(path[-1]), _keys_of(parent)) if parent else None


def _problem(model: type[BaseModel], doc: Document, err: Any) -> SchemaProblem:
    path = _trim(tuple(err["loc"]), doc.data)
    kind = err["type"]
    name = field_path(path)
    if kind == "extra_forbidden":
        close = _suggested_key(model, path)
        hint = f"; did you mean '{close}'?" if close else ""
        line, column = doc.locate_key(path)
        return SchemaProblem(path, f"unknown key '{path[-1]}' at {name}{hint}", line, column)
    if kind == "missing":
        line, column = doc.locate(path)
        return SchemaProblem(path, f"{name} is required", line, column)
    message = err["msg"]
    message = message[0].lower() + message[1:] if message else message
    ctx = err.get("ctx") or {}
    value = err.get("input")
    written = doc.spelling(path)
    odd = _odd_number(value) if kind in ("int_type", "float_type") and isinstance(value, str) else None
    if kind in ("literal_error", "enum"):
        options = [o.strip().strip("'") for o in ctx.get("expected", "").replace(" or ", ", ").split(",")]
        options = [o for o in options if o]
        close = _closest(str(value), options)
        hint = f"; did you mean '{close}'?" if close else ""
        message = f"{_input(err, doc, path)} is not allowed, expected one of: {', '.join(options)}{hint}"
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") in _pattern_meanings():
        # The regular expression says little to the person who wrote the value; its description does.
        meaning = _pattern_meanings()[ctx["pattern"]]
        message = f"{_shown(value)} does not have the expected form: {meaning}"
        if isinstance(value, str) and not value.isascii():
            message += f"; {_non_ascii(value)}"
    elif kind == "string_type" and written is not None:
        # YAML 1.1 reads no (Norway), yes, on, off, 3.10 and 2026-01-01 as other things than text.
        message = (
            f"expected text, but YAML reads {written} as {_as_read(value)}; put it in quotes "
            f'("{written}") to keep it as text'
        )
    elif odd is not None:
        message = odd
    else:
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            # pydantic names its model class here ("... or instance of Rollback"), which means
            # nothing in a YAML file.
            message = "expected a mapping"
        if "input" in err and not isinstance(value, (dict, list)):
            message = f"{message} (got {_input(err, doc, path)})"
    line, column = doc.locate(path)
    return SchemaProblem(path, f"{name}: {message}" if name else message, line, column)


def _has_pattern(annotation: Any) -> bool:
    """Whether an annotation such as list[Person] | None constrains its text with a pattern."""
    extras = typing.get_args(annotation)[1:] if typing.get_origin(annotation) is typing.Annotated else ()
    if any(getattr(extra, "pattern", None) for extra in extras):
        return True
    return any(_has_pattern(arg) for arg in typing.get_args(annotation))


def _names_something(model: type[BaseModel], path: FieldPath) -> bool:
    """Whether the value at path is a name, an id or a person: text that identifies something."""
    keys = [part for part in path if isinstance(part, str)]
    if not keys:
        return False
    if keys[-1] in ("name", "id"):
        return True
    at = len(path) - 1 - [isinstance(part, str) for part in reversed(path)].index(True)
    parent = model_at(model, path[:at])
    field = _field(parent, keys[-1]) if parent is not None else None
    return field is not None and _has_pattern(field.annotation)


def _character_problems(model: type[BaseModel], doc: Document) -> list[SchemaProblem]:
    """Keys and values with invisible, bidi, look-alike or (where they name something) control characters."""
    problems: list[SchemaProblem] = []
    if doc.plain:
        return problems
    for path, is_key, text in characters.walk(doc.data):
        if characters.plain(text):
            continue
        found = characters.problem(text, is_key or _names_something(model, path))
        if found is None:
            continue
        at, what = found
        shown = characters.excerpt(text, at)
        if is_key:
            parent = field_path(path[:-1])
            line, column = doc.locate_key(path)
            message = f"the key {shown}{' in ' + parent if parent else ''} contains {what}"
            problems.append(SchemaProblem(path[:-1], message, line, column))
        else:
            line, column = doc.locate(path)
            problems.append(SchemaProblem(path, f"{field_path(path)}: {shown} contains {what}", line, column))
    return problems


def schema_problems(kind: str, doc: Document) -> list[SchemaProblem]:
    """Every way the document departs from the schema of its kind, in document order."""
    found = _character_problems(_models()[kind], doc)
    # A problem already reported at a place (a look-alike letter, a foreign tag) is the cause of
    # whatever the schema then says about the same value.
    taken = {(p.line, p.column) for p in found} | {(p.line, p.column) for p in doc.problems}
    problems = [p for p in _model_problems(kind, doc) if (p.line, p.column) not in taken]
    if kind == "AISystem":
        problems += _duplicate_components(doc)
    return sorted(set(found + problems), key=lambda p: (p.line, p.column, p.message))


def _duplicate_components(doc: Document) -> list[SchemaProblem]:
    """A component name used twice in one system: the name is what the change rules follow."""
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    components = spec.get("components") if isinstance(spec, dict) else None
    first: dict[str, int] = {}
    problems = []
    for i, component in enumerate(components if isinstance(components, list) else []):
        name = component.get("name") if isinstance(component, dict) else None
        if not isinstance(name, str):
            continue
        if name not in first:
            first[name] = i
            continue
        path = ("spec", "components", i, "name")
        line, column = doc.locate(path)
        earlier = doc.locate(("spec", "components", first[name], "name"))[0]
        message = (
            f"{field_path(path)}: the component name '{name}' is already used on line {earlier}; "
            "names are unique in a system"
        )
        problems.append(SchemaProblem(path, message, line, column))
    return problems


def _model_problems(kind: str, doc: Document) -> list[SchemaProblem]:
    model = _models()[kind]
    try:
        model.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A misspelt required key also shows up as the key missing; the misspelling is the report.
        misspelt = set()
        for err in errors:
            if err["type"] == "extra_forbidden":
                path = _trim(tuple(err["loc"]), doc.data)
                close = _suggested_key(model, path)
                if close is not None:
                    misspelt.add((*path[:-1], close))
        problems = [
            _problem(model, doc, err)
            for err in errors
            if not (err["type"] == "missing" and _trim(tuple(err["loc"]), doc.data) in misspelt)
        ]
        return problems
    return []
