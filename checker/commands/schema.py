"""charter schema: one JSON Schema of every Charter document, for editors and validators."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from checker.errors import EXIT_OK, FatalError
from checker.governance_models import PolicyModel
from checker.models import AISystem, Directory, Evidence

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE = "https://charter-checker.github.io/charter/schema/v1/"
SCHEMA_ID = SCHEMA_BASE + "charter.schema.json"
API_VERSION = "charter/v1"
REF_TEMPLATE = "#/$defs/{model}"
NULL = {"type": "null"}
KINDS: dict[str, type[BaseModel]] = {
    "AISystem": AISystem,
    "Evidence": Evidence,
    "Directory": Directory,
    "Policy": PolicyModel,
}


class _Generator(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        # Pydantic would title every field after its attribute ("Classifiedat"), which editors
        # then show in hovers in place of the YAML key the user typed.
        return False

    def str_schema(self, schema: Any) -> dict[str, Any]:
        json_schema: dict[str, Any] = super().str_schema(schema)
        pattern = json_schema.get("pattern")
        if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
            # In Python's re, which the jsonschema library and check-jsonschema's python variant use,
            # $ also matches before a final newline, so "@dana\n" (a block scalar) would pass as a
            # person. ECMA-262 and pydantic never allow it; the lookahead makes every engine agree.
            json_schema["pattern"] = pattern + r"(?!\n)"
        return json_schema


def _or_null(schema: dict[str, Any], objects: set[str]) -> dict[str, Any] | None:
    """The schema widened to accept null as well, or None when its type cannot say so."""
    if schema.get("$ref") in objects:
        return {**schema, "type": ["object", "null"]}
    if isinstance(schema.get("type"), str):
        widened = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return None


def _tidy(node: Any, objects: set[str]) -> Any:
    """Say "this or null" by widening the type rather than with anyOf, so errors point into the value."""
    if isinstance(node, list):
        return [_tidy(item, objects) for item in node]
    if not isinstance(node, dict):
        return node
    # A default of null only invites editors to fill it in.
    node = {key: _tidy(value, objects) for key, value in node.items() if (key, value) != ("default", None)}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and NULL in options:
        widened = _or_null(next(option for option in options if option != NULL), objects)
        if widened is not None:
            node = {**{key: value for key, value in node.items() if key != "anyOf"}, **widened}
    if node.get("$ref") in objects and "type" not in node:
        node["type"] = "object"
    return node


def _with_nullable_sections(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each model's object type moved from its definition to where it is used."""
    defs = schema.get("$defs", {})
    objects = {f"#/$defs/{name}" for name, d in defs.items() if d.get("type") == "object"}
    tidy: dict[str, Any] = _tidy(schema, objects)
    for ref in objects:
        del tidy["$defs"][ref.removeprefix("#/$defs/")]["type"]
    return tidy


def kind_id(kind: str) -> str:
    """The $id of the schema of one kind."""
    return f"{SCHEMA_BASE}{kind.lower()}.schema.json"


def kind_schema(kind: str) -> dict[str, Any]:
    """The schema of one document kind, standing alone."""
    schema = KINDS[kind].model_json_schema(
        by_alias=True, ref_template=REF_TEMPLATE, schema_generator=_Generator
    )
    schema = _with_nullable_sections(schema)
    return {**schema, "$schema": DRAFT, "$id": kind_id(kind), "title": f"Charter {kind}"}


def document_schema() -> dict[str, Any]:
    """One schema for every kind, choosing each document's branch by its `kind`."""
    # One call for all models, so pydantic itself renames any two definitions that share a name.
    refs, combined = models_json_schema(
        [(model, "validation") for model in KINDS.values()],
        by_alias=True,
        ref_template=REF_TEMPLATE,
        schema_generator=_Generator,
    )
    defs: dict[str, Any] = _with_nullable_sections(combined)["$defs"]
    branches = []
    for kind, model in KINDS.items():
        ref = refs[(model, "validation")]["$ref"]
        defs[ref.rsplit("/", 1)[1]]["title"] = kind
        branches.append(
            {
                "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                "then": {"$ref": ref},
            }
        )
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "Charter document",
        "description": (
            "An AISystem manifest, an Evidence record, the people Directory or a Policy of Charter "
            f"(apiVersion {API_VERSION}), chosen by its kind."
        ),
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {
            "apiVersion": {"const": API_VERSION, "description": "The version of Charter's document format."},
            "kind": {"enum": list(KINDS), "description": "Which Charter document this is."},
        },
        "allOf": branches,
        "$defs": defs,
    }


def render(schema: dict[str, Any]) -> str:
    """The schema as stable JSON: sorted keys, so that a regenerated file diffs cleanly."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: str, kind: str | None = None) -> None:
    """Write the schema to path, replacing what is there: it is generated, never edited by hand."""
    if os.path.islink(path) or os.path.isdir(path):
        raise FatalError("is a symbolic link or a directory; name a regular file", path)
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(render(kind_schema(kind) if kind else document_schema()))
    except OSError as exc:
        raise FatalError(f"cannot write the schema: {exc.strerror}", path) from None


def run_schema(kind: str | None, write: str | None = None) -> int:
    if write is not None:
        write_schema(write, kind)
        click.echo(f"wrote {write}")
        return EXIT_OK
    sys.stdout.write(render(kind_schema(kind) if kind else document_schema()))
    return EXIT_OK
