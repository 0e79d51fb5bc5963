"""charter check: the main job."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field

from checker import __version__, gitrepo
from checker.engine import Checker, summarize
from checker.errors import EXIT_FINDINGS, EXIT_OK, FatalError
from checker.policy import load_policies
from checker.project import build_project
from checker.reporters import REPORTERS, Report
from checker.workspace import open_workspace


@dataclass
class CheckOptions:
    paths: list[str]
    format: str = "text"
    outputs: dict[str, str] = field(default_factory=dict)
    as_of: dt.date | None = None
    policies: list[str] = field(default_factory=list)
    config: str | None = None
    fail_on: str | None = None
    color: bool = False


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _located(path: str) -> str:
    """path made absolute with its directories resolved like the root's, but not its last part.

    Resolving the last part too would follow a symbolic link named on the command line and read
    what it points at, possibly outside the repository; the loader refuses the link itself.
    """
    full = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(full)), os.path.basename(full))


def build_report(options: CheckOptions) -> Report:
    """Load everything, run every rule, and return the report every format renders."""
    for path in options.paths:
        if not os.path.lexists(path):
            raise FatalError("no such file or directory", path)
    workspace = open_workspace(options.paths, options.config)
    policies = load_policies(workspace.config, options.policies)
    project = build_project(
        [_located(p) for p in options.paths],
        workspace.root,
        workspace.display_root,
        workspace.config,
        {_located(p) for p in options.paths if not os.path.isdir(p)},
    )
    today = options.as_of or today_utc()
    findings = Checker(project, policies, today).run()
    fail_on = options.fail_on or workspace.config.model.failOn
    systems = sum(1 for s in project.systems if project.is_reported(s.file))
    for note in project.notes:
        print(f"charter: note: {note}", file=sys.stderr)
    commit = gitrepo.head_commit(workspace.git_root) if workspace.git_root else None
    return Report(findings, summarize(findings, systems, fail_on), policies, today, commit, __version__)


def run_check(options: CheckOptions) -> int:
    report = build_report(options)
    for fmt, target in options.outputs.items():
        text = REPORTERS[fmt](report, False)
        try:
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise FatalError(f"cannot write the {fmt} report: {exc.strerror}", target) from None
    sys.stdout.write(REPORTERS[options.format](report, options.color and options.format == "text"))
    sys.stdout.flush()
    return EXIT_OK if report.summary.passed else EXIT_FINDINGS
