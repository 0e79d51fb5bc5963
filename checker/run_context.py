"""What the checks read besides the document they judge: made once for a run, never changed.

engine.check makes one RunContext for the head's documents (and one for the base revision's, and
one for the head's own policies when a change altered them); every check reads it through the
``run`` of its checker.conditions.Env. Nothing is written onto the Project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from checker.people import People, from_project
from checker.project import Project
from checker.sources import Tree, WorkingTree

if TYPE_CHECKING:
    from checker.baseline import Baseline
    from checker.gitrepo import Changes
    from checker.policy import Rule
    from checker.project import EvidenceBefore
    from checker.pullrequest import PullRequestContext


@dataclass(frozen=True, eq=False)
class RunContext:
    """The project a run judges, and everything its checks read beside it.

    rules: the policy set's rules by id (a waiver names one); baseline: the base revision, when the
    run compares with one; history: the day each file was first committed, by file (None outside
    git); pull_request: the pull request whose reviews are verified (None outside one); judges: the
    people approvals are judged by when the run decides who they are (the base revision's directory,
    membership as GitHub says in a pull request), else the project's own; files: the tree component
    sources are read from, else the working tree at the project's root.
    """

    project: Project
    rules: Mapping[str, Rule] = field(default_factory=lambda: MappingProxyType({}))
    baseline: Baseline | None = None
    history: Mapping[str, Any] | None = None
    pull_request: PullRequestContext | None = None
    judges: People | None = None
    files: Tree | None = None

    def __post_init__(self) -> None:
        # The policy set's own mapping, seen read-only: a check can look a rule up, never change one.
        if not isinstance(self.rules, MappingProxyType):
            object.__setattr__(self, "rules", MappingProxyType(self.rules))

    @cached_property
    def own_people(self) -> People:
        """The people of the directory the project itself declares."""
        return from_project(self.project)

    @cached_property
    def people(self) -> People:
        """The people the rules judge approvals and waivers with."""
        return self.judges if self.judges is not None else self.own_people

    @cached_property
    def source_files(self) -> Tree:
        """The files component sources are read from, read once per run."""
        return self.files if self.files is not None else WorkingTree(self.project.root)

    @property
    def base(self) -> Mapping[str, Any] | None:
        """The base revision's systems by name; None when the run compares with no base."""
        return self.baseline.systems if self.baseline is not None else None

    @property
    def base_by_file(self) -> Mapping[str, Any]:
        """The base revision's systems by the file that declares them."""
        return self.baseline.by_file if self.baseline is not None else {}

    @property
    def base_leaving(self) -> Mapping[str, str] | None:
        """The base systems the change may have removed, with their files (see Baseline.leaving)."""
        return self.baseline.leaving if self.baseline is not None else None

    @property
    def base_evidence(self) -> EvidenceBefore | None:
        """The base revision's Evidence, for the rules that keep merged evidence as it was."""
        return self.baseline.evidence if self.baseline is not None else None

    @property
    def base_changes(self) -> Changes | None:
        """Which files the change adds or edits since the base revision."""
        return self.baseline.changes if self.baseline is not None else None

    @property
    def base_files(self) -> Tree | None:
        """The base revision's files as git holds them, which component sources are digested from."""
        return self.baseline.files if self.baseline is not None else None
