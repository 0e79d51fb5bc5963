"""Who a person reference names: the people Directory, and the one interface the rules ask it through.

A manifest names people by GitHub handle or e-mail address, and teams by ``@org/team``. Rules
never compare those strings: they compare what ``People.resolve`` makes of them, so that ``@lee``
and ``lee@acme.example`` are one person when the directory says so, and they ask
``People.is_member`` whether an approver belongs to a team. A source that knows more (the GitHub
API, say) extends the class and keeps the directory as its fallback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker.document import FieldPath

if TYPE_CHECKING:
    from checker.charter_documents import Source
    from checker.project import Project

# Where AISystem and Evidence documents name people or teams ("*": every item of a list). A test
# keeps this in step with the fields the document models type as people or teams.
PERSON_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "AISystem": (
        ("spec", "ownership", "team"),
        ("spec", "ownership", "accountable"),
        ("spec", "ownership", "technicalOwner"),
        ("spec", "ownership", "businessOwner"),
        ("spec", "ownership", "raci", "*", "responsible", "*"),
        ("spec", "ownership", "raci", "*", "accountable"),
        ("spec", "ownership", "raci", "*", "consulted", "*"),
        ("spec", "ownership", "raci", "*", "informed", "*"),
        ("spec", "risk", "classifiedBy"),
        ("spec", "data", "*", "owner"),
        ("spec", "data", "*", "access", "*"),
        ("spec", "rollback", "owner"),
        ("spec", "releases", "*", "approvals", "*", "by"),
        ("spec", "reviewGates", "*", "approvers", "*"),
        ("spec", "oversight", "reviewers", "*"),
        ("spec", "monitoring", "signals", "*", "owner"),
        ("spec", "maintenance", "*", "owner"),
        ("spec", "roadmap", "pausePoints", "*", "owner"),
        ("spec", "waivers", "*", "approvedBy"),
    ),
    "Evidence": (
        ("spec", "performedBy"),
        ("spec", "findings", "*", "owner"),
    ),
    "Directory": (("spec", "teams", "*", "members", "*"),),
}


def key(ref: str) -> str:
    """GitHub handles and e-mail addresses name the same person whatever their case."""
    return ref.strip().lower()


def is_team(ref: str) -> bool:
    return ref.startswith("@") and "/" in ref


def references(kind: str, data: Any) -> Iterator[tuple[FieldPath, str]]:
    """(path, reference) of every person or team a document of kind names, in field order."""
    for pattern in PERSON_FIELDS.get(kind, ()):
        yield from _walk(data, pattern, ())


def _walk(value: Any, pattern: tuple[str, ...], at: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    if not pattern:
        if isinstance(value, str):
            yield at, value
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        for i, item in enumerate(value if isinstance(value, list) else []):
            yield from _walk(item, rest, (*at, i))
    elif isinstance(value, dict) and head in value:
        yield from _walk(value[head], rest, (*at, head))


@dataclass
class People:
    """The people and teams of the repository's Directory; empty when it has none.

    file is the directory's file, to name in messages; ``known`` says whether there is one at all.
    """

    file: str | None = None
    # Every handle and e-mail address the directory lists, to the handle of the person it names.
    _names: dict[str, str] = field(default_factory=dict)
    # Each team's members, as resolved people.
    _teams: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, data: Any, file: str) -> People:
        people = cls(file)
        spec = data.get("spec") if isinstance(data, dict) else None
        spec = spec if isinstance(spec, dict) else {}
        for person in spec.get("people") or []:
            handle = person.get("handle") if isinstance(person, dict) else None
            if not isinstance(handle, str):
                continue
            for name in [handle, *(person.get("emails") or [])]:
                if isinstance(name, str):
                    # The first entry that lists a name keeps it; OWN004 reports the second.
                    people._names.setdefault(key(name), key(handle))
        for team in spec.get("teams") or []:
            handle = team.get("handle") if isinstance(team, dict) else None
            if isinstance(handle, str) and key(handle) not in people._teams:
                members = [m for m in team.get("members") or [] if isinstance(m, str)]
                people._teams[key(handle)] = {people.resolve(m) for m in members}
        return people

    @property
    def known(self) -> bool:
        """Whether the repository has a directory to resolve references through."""
        return self.file is not None

    def resolve(self, ref: str) -> str:
        """The one identity a handle, e-mail address or team stands for; unknown ones stand for themselves."""
        name = key(ref)
        return self._names.get(name, name)

    def knows(self, ref: str) -> bool:
        """Whether the directory lists the person or team ref names."""
        name = key(ref)
        return name in self._teams if is_team(name) else name in self._names

    def is_member(self, person: str, team: str) -> bool | None:
        """Whether person belongs to team; None when its membership is unknown."""
        members = self._teams.get(key(team))
        return None if members is None else self.resolve(person) in members

    def members(self, team: str) -> set[str] | None:
        """The resolved members of team; None when its membership is unknown."""
        members = self._teams.get(key(team))
        return None if members is None else set(members)

    def unknown_team(self, team: str) -> str:
        """Why the membership of team is unknown, for a message."""
        if not self.known:
            return f"the membership of {team} is unknown (there is no people directory)"
        return f"the membership of {team} is unknown ({self.file} does not list it)"


def directories(project: Project) -> list[Source]:
    """The valid Directory documents of a project, in the order the repository is read."""
    return [s for s in project.kind_sources("Directory") if s.valid]


def from_project(project: Project) -> People:
    """The people of the project's first valid Directory; a second one is SCH002 and not used."""
    found = directories(project)
    return People.from_directory(found[0].data, found[0].file) if found else People()
