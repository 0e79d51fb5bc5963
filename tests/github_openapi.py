"""Checks requests and answers of the fake GitHub against GitHub's published OpenAPI description.

The description is the api.github.com.json that the npm package @octokit/openapi ships; .ci/run
installs it and names it in CHARTER_GITHUB_OPENAPI.
"""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.fake_github import Seen

ENVIRON = "CHARTER_GITHUB_OPENAPI"
UNAVAILABLE = (
    "GitHub's OpenAPI description is not installed: install the npm package @octokit/openapi "
    f"(as .ci/run does) and name its generated/api.github.com.json in {ENVIRON}"
)
_URI = "urn:github:openapi"
_LINK = re.compile(r'\s*<[^>]+>\s*;\s*rel="[a-z ]+"\s*')


@functools.lru_cache(maxsize=1)
def description() -> OpenAPI | None:
    """The installed description, or None when there is none."""
    path = os.environ.get(ENVIRON, "")
    if not path or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return OpenAPI(json.load(handle))


def _nullable(node: Any) -> Any:
    """node with OpenAPI 3.0's nullable written as JSON Schema, which has no such keyword."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if isinstance(node.get("type"), str) and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _absolute(node: Any) -> Any:
    """node with the description's references, relative to it, made to reach into it from anywhere."""
    if isinstance(node, list):
        return [_absolute(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _URI + value if key == "$ref" and value.startswith("#") else _absolute(value)
        for key, value in node.items()
    }


class OpenAPI:
    """Operations and schemas of one OpenAPI 3.0 description."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = {**document, "components": _nullable(document["components"])}
        self.paths = document["paths"]
        self.registry: Registry = Registry().with_resource(
            _URI, Resource.from_contents(self.document, default_specification=DRAFT4)
        )
        # A literal segment wins over a parameter where two templates match one path.
        self._templates = sorted(
            ((re.compile("/".join(_segment(part) for part in t.split("/"))), t) for t in self.paths),
            key=lambda entry: entry[1].count("{"),
        )

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.registry.resolver(_URI).lookup(_URI + node["$ref"]).contents
        return node

    def _errors(self, schema: dict[str, Any], instance: Any, what: str) -> list[str]:
        validator = Draft4Validator(schema, registry=self.registry)
        return [
            f"{what}: {error.message} at {list(error.absolute_path)}"
            for error in validator.iter_errors(instance)
        ]

    def problems(self, seen: Seen, prefix: str = "") -> list[str]:
        """Where a request or its answer departs from the description."""
        path = seen.path[len(prefix) :] if seen.path.startswith(prefix) else seen.path
        found = next(((m, t) for pattern, t in self._templates if (m := pattern.fullmatch(path))), None)
        if found is None:
            return [f"{seen.method} {path}: no such path in GitHub's API"]
        match, template = found
        values = dict(zip(re.findall(r"{([^}]+)}", template), match.groups(), strict=True))
        operation = self.paths[template].get(seen.method.lower())
        if operation is None:
            return [f"{seen.method} {path}: GitHub's API has no {seen.method} on {template}"]
        where = f"{seen.method} {template}"
        problems = self._request(operation, values, seen.query, where)
        return problems + self._response(operation, seen, where)

    def _request(
        self, operation: dict[str, Any], values: dict[str, str], query: dict[str, list[str]], where: str
    ) -> list[str]:
        parameters = [self._resolve(p) for p in operation.get("parameters", [])]
        problems = []
        for parameter in parameters:
            name, place = parameter["name"], parameter["in"]
            if place == "path":
                value = _typed(parameter, values.get(name))
                problems += self._errors(_absolute(parameter["schema"]), value, f"{where} path {name}")
            elif place == "query" and name in query:
                for text in query[name]:
                    value = _typed(parameter, text)
                    problems += self._errors(_absolute(parameter["schema"]), value, f"{where} query {name}")
            elif place == "query" and parameter.get("required"):
                problems.append(f"{where}: the query lacks {name}")
        declared = {p["name"] for p in parameters if p["in"] == "query"}
        problems += [f"{where}: undeclared query parameter {name}" for name in query if name not in declared]
        return problems

    def _response(self, operation: dict[str, Any], seen: Seen, where: str) -> list[str]:
        declared = operation["responses"].get(str(seen.status))
        if declared is None and seen.status < 400:
            return [f"{where}: GitHub's API never answers {seen.status}"]
        declared = self._resolve(declared) if declared is not None else {}
        content = declared.get("content", {}).get("application/json")
        # An error the operation does not describe (a 502, a rate limit) carries GitHub's basic error.
        schema = (
            _absolute(_nullable(content["schema"]))
            if content
            else {"$ref": f"{_URI}#/components/schemas/basic-error"}
        )
        problems = self._errors(schema, seen.response, f"{where} answer {seen.status}")
        link = seen.response_headers.get("Link")
        if link is not None:
            if "Link" not in declared.get("headers", {}):
                problems.append(f"{where}: a Link header where GitHub's API describes none")
            if not all(_LINK.fullmatch(part) for part in link.split(",")):
                problems.append(f"{where}: malformed Link header {link!r}")
        return problems


def _typed(parameter: dict[str, Any], text: str | None) -> Any:
    """A parameter's text as the type its schema names: a URL carries only text."""
    if text is not None and parameter["schema"].get("type") == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _segment(part: str) -> str:
    return "([^/]+)" if part.startswith("{") and part.endswith("}") else re.escape(part)
