"""Schema validation of Charter documents, turning pydantic errors into located problems."""

from __future__ import annotations

import difflib
import functools
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from checker.finding import SchemaProblem, field_path
from checker.yamlload import Document, FieldPath


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
    from checker import models

    meanings: dict[str, str] = {}
    for value in vars(models).values():
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
    if kind in ("literal_error", "enum"):
        options = [o.strip().strip("'") for o in ctx.get("expected", "").replace(" or ", ", ").split(",")]
        options = [o for o in options if o]
        close = _closest(str(err.get("input")), options)
        hint = f"; did you mean '{close}'?" if close else ""
        message = f"{_shown(err.get('input'))} is not allowed, expected one of: {', '.join(options)}{hint}"
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") in _pattern_meanings():
        # The regular expression says little to the person who wrote the value; its description does.
        meaning = _pattern_meanings()[ctx["pattern"]]
        message = f"{_shown(err.get('input'))} does not have the expected form: {meaning}"
    else:
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            # pydantic names its model class here ("... or instance of Rollback"), which means
            # nothing in a YAML file.
            message = "expected a mapping"
        if "input" in err and not isinstance(err["input"], (dict, list)):
            message = f"{message} (got {_shown(err['input'])})"
    line, column = doc.locate(path)
    return SchemaProblem(path, f"{name}: {message}" if name else message, line, column)


def schema_problems(kind: str, doc: Document) -> list[SchemaProblem]:
    """Every way the document departs from the schema of its kind, in document order."""
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
        return sorted(set(problems), key=lambda p: (p.line, p.column, p.message))
    return []
