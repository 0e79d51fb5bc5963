"""Which declared system's code a file is: spec.code globs, components' training.pipeline and source."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.discovery import glob_regex
from checker.project import Project, Source


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


def claims_of(source: Source) -> Iterator[Claim]:
    """The code a valid AISystem claims: spec.code, and each component's training.pipeline and source."""
    name = source.name if isinstance(source.name, str) else ""
    spec = source.get("spec")
    if not isinstance(spec, dict):
        return
    for index, glob in enumerate(_strings(spec.get("code"))):
        yield Claim(name, glob, source.file, ("spec", "code", index))
    components = spec.get("components")
    for index, component in enumerate(components if isinstance(components, list) else []):
        if not isinstance(component, dict):
            continue
        training = component.get("training")
        pipeline = training.get("pipeline") if isinstance(training, dict) else None
        if isinstance(pipeline, str) and not pipeline.startswith("https://"):
            where = ("spec", "components", index, "training", "pipeline")
            yield Claim(name, _as_glob(pipeline), source.file, where)
        # components[].source names the files that are the component (paths or globs), when declared.
        sources = component.get("source")
        for position, ref in enumerate(_strings(sources)):
            if not ref.startswith("https://"):
                at = (
                    "spec",
                    "components",
                    index,
                    "source",
                    *((position,) if isinstance(sources, list) else ()),
                )
                yield Claim(name, _as_glob(ref), source.file, at)


def claim_regex(glob: str) -> re.Pattern[str]:
    """What a claimed glob covers: the files it names, and what lies below a path it names."""
    return re.compile(f"(?s:{glob_regex(glob)})(?:/.*)?\\Z")


@dataclass
class Coverage:
    """The claims of every declared system, matched against paths from the repository root."""

    claims: list[Claim]
    _compiled: list[tuple[re.Pattern[str], Claim]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._compiled = [(claim_regex(claim.glob), claim) for claim in self.claims]

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


def coverage_of(project: Project) -> Coverage:
    """The coverage of every valid AISystem the project declares."""
    return Coverage(
        [claim for source in project.kind_sources("AISystem") if source.valid for claim in claims_of(source)]
    )
