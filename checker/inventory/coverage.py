"""Which declared system's code a file is: spec.code globs, components' training.pipeline and source.

spec.code and training.pipeline cover the files they name and what lies below them. A component's
source covers exactly the files its digest is computed over (checker.sources): a glob names the
files it matches, a path without wildcards the file or every file below the directory.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.charter_documents import Source
from checker.context_fields import Reads
from checker.discovery import glob_regex
from checker.project import Project
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


# What the inventory reads of every system, wherever it is declared: the code it claims.
CLAIM_READS: Reads = {
    "AISystem": ("spec.code", "spec.components.training.pipeline", "spec.components.source")
}


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


_WILDCARD = re.compile(r"[*?\[]")


def _fixed(glob: str) -> str:
    """The directory (or path) every file a glob covers lies at or below: its parts before a wildcard."""
    parts = [p for p in glob.replace("\\", "/").split("/") if p not in ("", ".")]
    fixed = []
    for part in parts:
        if _WILDCARD.search(part):
            break
        fixed.append(part)
    return "/".join(fixed)


def _ancestors(rel: str) -> Iterator[str]:
    """ "", then each directory above rel, then rel itself."""
    yield ""
    at = rel.find("/")
    while at != -1:
        yield rel[:at]
        at = rel.find("/", at + 1)
    yield rel


@dataclass
class Coverage:
    """The claims of every declared system, matched against paths from the repository root.

    Claims are kept by the fixed directory of their glob, so a file is matched only against the
    claims of the directories it lies in, however many systems a repository declares.
    """

    claims: list[Claim]
    # (the claim's place among claims, the claim) by the claim's fixed directory.
    _by_fixed: dict[str, list[tuple[int, Claim]]] = field(default_factory=dict)
    # What each claim covers, compiled when first needed: most are never tested.
    _regexes: dict[int, re.Pattern[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index, claim in enumerate(self.claims):
            self._by_fixed.setdefault(_fixed(claim.glob), []).append((index, claim))

    def _covers(self, index: int, claim: Claim, rel: str) -> bool:
        regex = self._regexes.get(index)
        if regex is None:
            regex = self._regexes[index] = claim_regex(claim.glob, claim.exact)
        return regex.match(rel) is not None

    def systems(self, rel: str) -> list[str]:
        """The systems whose code the file rel is, each once, in the order they were declared."""
        found = sorted(
            (index, claim.system)
            for fixed in _ancestors(rel)
            for index, claim in self._by_fixed.get(fixed, ())
            if self._covers(index, claim, rel)
        )
        return list(dict.fromkeys(system for _, system in found))

    def unmatched(self, rels: Iterable[str]) -> list[Claim]:
        """The spec.code claims that match none of rels."""
        ordered = sorted(rels)
        out = []
        for fixed, claimed in self._by_fixed.items():
            entries = [(index, claim) for index, claim in claimed if claim.path[1] == "code"]
            if not entries:
                continue
            # The files at or below the fixed directory, found by their place in sorted order.
            start = bisect.bisect_left(ordered, fixed) if fixed else 0
            below = []
            for rel in itertools.islice(ordered, start, None):
                if fixed and rel != fixed and not rel.startswith(fixed + "/"):
                    if rel > fixed + "/":
                        break
                    continue
                below.append(rel)
            for index, claim in entries:
                if not any(self._covers(index, claim, rel) for rel in below):
                    out.append((index, claim))
        return [claim for _, claim in sorted(out, key=lambda item: item[0])]


def base_coverage(systems: Mapping[str, Any]) -> Coverage:
    """The coverage of the base revision's systems, from their data by name."""
    return Coverage([claim for name, data in systems.items() for claim in claims_in(name, data, "")])


def coverage_of(project: Project) -> Coverage:
    """The coverage of every valid AISystem the project declares."""
    return Coverage(
        [claim for source in project.kind_sources("AISystem") if source.valid for claim in claims_of(source)]
    )
