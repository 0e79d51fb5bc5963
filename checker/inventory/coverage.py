"""Which declared system's code a file is: spec.code globs, components' training.pipeline and source.

spec.code and training.pipeline cover the files they name and what lies below them. A component's
source covers exactly the files its digest is computed over (checker.sources): a glob names the
files it matches, a path without wildcards the file or every file below the directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.discovery import glob_regex
from checker.project import Project, Source
from checker.sources import is_glob, ref_problem


def _strings(value: Any) -> list[str]:
    """A string, or the strings of a list; anything else is nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _as_glob(ref: str) -> str:
    """A path or glob from the repository root, as a glob: a path covers itself and what lies below it."""
    return ref.strip().removeprefix("./").rstrip("/")


@dataclass(frozen=True)
class Claim:
    """One glob by which a system claims code, and where the manifest says so."""

    system: str
    glob: str
    file: str
    path: tuple[str | int, ...]
    # The glob covers only the files it matches, not what lies below them.
    exact: bool = False


def claims_of(source: Source) -> Iterator[Claim]:
    """The code a valid AISystem claims: spec.code, and each component's training.pipeline and source."""
    name = source.name if isinstance(source.name, str) else ""
    return claims_in(name, source.data, source.file)


def claims_in(name: str, data: Any, file: str) -> Iterator[Claim]:
    """The code the AISystem name, declared as data in file, claims."""
    spec = data.get("spec") if isinstance(data, dict) else None
    if not isinstance(spec, dict):
        return
    for index, glob in enumerate(_strings(spec.get("code"))):
        yield Claim(name, glob, file, ("spec", "code", index))
    components = spec.get("components")
    for index, component in enumerate(components if isinstance(components, list) else []):
        if not isinstance(component, dict):
            continue
        training = component.get("training")
        pipeline = training.get("pipeline") if isinstance(training, dict) else None
        if isinstance(pipeline, str) and not pipeline.startswith("https://"):
            where = ("spec", "components", index, "training", "pipeline")
            yield Claim(name, _as_glob(pipeline), file, where)
        # A source that cannot name files of the repository is a finding of its own, and covers nothing.
        for position, ref in enumerate(_strings(component.get("source"))):
            if ref_problem(ref) is None:
                at = ("spec", "components", index, "source", position)
                yield Claim(name, _as_glob(ref), file, at, exact=is_glob(ref))


def claim_regex(glob: str, exact: bool = False) -> re.Pattern[str]:
    """What a claimed glob covers: the files it names, and (unless exact) what lies below them."""
    return re.compile(f"(?s:{glob_regex(glob)}){'' if exact else '(?:/.*)?'}\\Z")


@dataclass
class Coverage:
    """The claims of every declared system, matched against paths from the repository root."""

    claims: list[Claim]
    _compiled: list[tuple[re.Pattern[str], Claim]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._compiled = [(claim_regex(claim.glob, claim.exact), claim) for claim in self.claims]

    def systems(self, rel: str) -> list[str]:
        """The systems whose code the file rel is, each once, in the order they were declared."""
        return list(dict.fromkeys(claim.system for regex, claim in self._compiled if regex.match(rel)))

    def unmatched(self, rels: Iterable[str]) -> list[Claim]:
        """The spec.code claims that match none of rels."""
        todo = [(regex, claim) for regex, claim in self._compiled if claim.path[1] == "code"]
        for rel in rels:
            if not todo:
                break
            todo = [(regex, claim) for regex, claim in todo if not regex.match(rel)]
        return [claim for _, claim in todo]


def base_coverage(systems: Mapping[str, Any]) -> Coverage:
    """The coverage of the base revision's systems, from their data by name."""
    return Coverage([claim for name, data in systems.items() for claim in claims_in(name, data, "")])


def coverage_of(project: Project) -> Coverage:
    """The coverage of every valid AISystem the project declares."""
    return Coverage(
        [claim for source in project.kind_sources("AISystem") if source.valid for claim in claims_of(source)]
    )
