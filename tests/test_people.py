"""The people directory: how references resolve, who belongs to a team, and which fields name people."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from checker import models
from checker.people import PERSON_FIELDS, People, references

DIRECTORY = {
    "spec": {
        "people": [
            {"handle": "@dana", "emails": ["dana@acme.example"]},
            {"handle": "@Lee", "emails": ["Lee@Acme.example"]},
        ],
        "teams": [{"handle": "@acme/ml-review", "members": ["@ana", "dana@acme.example"]}],
    }
}
# The descriptions the document models give the types of people and teams.
PEOPLE_TYPES = {
    "A GitHub handle (@user), a team (@org/team) or an e-mail address.",
    "A GitHub handle (@user) or an e-mail address.",
    "A GitHub team (@org/team).",
}


def test_handles_and_addresses_resolve_to_one_person_whatever_their_case() -> None:
    people = People.from_directory(DIRECTORY, "governance/people.yaml")

    assert [people.resolve(r) for r in ("@dana", "DANA@acme.example", "@lee", "lee@acme.EXAMPLE")] == [
        "@dana",
        "@dana",
        "@lee",
        "@lee",
    ]
    assert people.resolve("@nobody") == "@nobody"
    assert (people.knows("@Dana"), people.knows("@nobody"), people.knows("@acme/ml-review")) == (
        True,
        False,
        True,
    )


def test_membership_is_known_only_for_the_teams_the_directory_lists() -> None:
    people = People.from_directory(DIRECTORY, "governance/people.yaml")

    assert people.is_member("@dana", "@acme/ml-review") is True
    assert people.is_member("@lee", "@acme/ml-review") is False
    assert people.is_member("@dana", "@acme/other") is None
    assert People().is_member("@dana", "@acme/ml-review") is None
    assert (
        People().unknown_team("@acme/x")
        == "the membership of @acme/x is unknown (there is no people directory)"
    )


def test_references_are_found_with_their_paths() -> None:
    system = {
        "spec": {
            "ownership": {"accountable": "@dana", "raci": [{"activity": "retrain", "responsible": ["@lee"]}]},
            "releases": [{"version": "1.0.0", "approvals": [{"by": "lee@acme.example"}]}],
        }
    }

    assert list(references("AISystem", system)) == [
        (("spec", "ownership", "accountable"), "@dana"),
        (("spec", "ownership", "raci", 0, "responsible", 0), "@lee"),
        (("spec", "releases", 0, "approvals", 0, "by"), "lee@acme.example"),
    ]


def _people_paths(model: type[BaseModel], at: tuple[str, ...]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, info in model.model_fields.items():
        path = (*at, info.alias or name)
        found |= _annotation_paths(info.annotation, path, info)
    return found


def _annotation_paths(annotation: Any, path: tuple[str, ...], info: FieldInfo | None) -> set[tuple[str, ...]]:
    if info is not None and info.description in PEOPLE_TYPES:
        return {path}
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        args = typing.get_args(annotation)
        described = [m for m in args[1:] if isinstance(m, FieldInfo) and m.description in PEOPLE_TYPES]
        return {path} if described else _annotation_paths(args[0], path, None)
    if origin is list:
        return _annotation_paths(typing.get_args(annotation)[0], (*path, "*"), None)
    if origin in (typing.Union, types.UnionType):
        found: set[tuple[str, ...]] = set()
        for arg in typing.get_args(annotation):
            found |= _annotation_paths(arg, path, None)
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _people_paths(annotation, path)
    return set()


def test_every_field_the_models_type_as_people_is_a_reference() -> None:
    assert set(PERSON_FIELDS["AISystem"]) == _people_paths(models.AISystem, ())
    assert set(PERSON_FIELDS["Evidence"]) == _people_paths(models.Evidence, ())
    # A directory's people are the ones it defines; only its team members refer to someone.
    assert set(PERSON_FIELDS["Directory"]) == _people_paths(models.Directory, ()) - {
        ("spec", "teams", "*", "handle")
    }
