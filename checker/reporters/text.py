"""The terminal report: file:line:col: RULE severity message, one finding a line, then the fixes.

The severity is always written, so errors, warnings and notes differ without colour too (as in a
pre-commit hook). Each rule's fix follows once, after the findings, rather than under every finding:
a rule that fails on forty systems says how to fix it once. With show_fixes (--show-fixes) the fix
is written under each finding instead, indented, and the list after the findings is left out. Notes
(info) and waived findings get none: they ask for nothing to be fixed.

File names and messages are written as characters.shown() shows them, so each finding keeps its
line and the only terminal escapes are the colours below, which Charter adds after escaping.
"""

from __future__ import annotations

from checker.characters import shown
from checker.finding import Finding
from checker.reporters.base import Report

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD, _DIM, _RESET, _GREEN = "\x1b[1m", "\x1b[2m", "\x1b[0m", "\x1b[32m"


def _fix_of(report: Report, rule_id: str) -> str | None:
    """The rule's remediation on one line, as shown on a terminal; None when it has none."""
    rule = report.policies.rules.get(rule_id)
    if rule is None or not rule.model.remediation:
        return None
    return shown(" ".join(rule.model.remediation.split()))


def _asks_for_fix(finding: Finding) -> bool:
    return not finding.waived and finding.severity != "info"


def _fixes(report: Report, color: bool) -> list[str]:
    """One line per rule with an error or a warning that is not waived, in rule order: its fix."""
    rules = sorted({f.rule for f in report.findings if _asks_for_fix(f)})
    lines = []
    for rule_id in rules:
        fix = _fix_of(report, rule_id)
        if fix is None:
            continue
        lines.append(f"  {_BOLD}{rule_id}{_RESET} {fix}" if color else f"  {rule_id} {fix}")
    if lines:
        heading = "fix (charter explain RULE says why):"
        lines.insert(0, f"{_BOLD}{heading}{_RESET}" if color else heading)
    return lines


def _fix_under(report: Report, finding: Finding, color: bool) -> list[str]:
    """The line under a finding that says how to fix it, as --show-fixes writes it."""
    fix = _fix_of(report, finding.rule) if _asks_for_fix(finding) else None
    if fix is None:
        return []
    return [f"  {_DIM}fix:{_RESET} {fix}" if color else f"  fix: {fix}"]


def render_text(report: Report, color: bool = False, show_fixes: bool = False) -> str:
    lines = []
    for f in report.findings:
        where = f"{shown(f.file)}:{f.line}:{f.column}:"
        note = " (waived)" if f.waived else ""
        status = f" [{f.status}]" if f.status else ""
        if color:
            tint = _DIM if f.waived else _COLORS[f.severity]
            tail = f"{_DIM}{note}{status}{_RESET}"
            lines.append(
                f"{_BOLD}{where}{_RESET} {tint}{f.rule} {f.severity}{_RESET} {shown(f.message)}{tail}"
            )
        else:
            lines.append(f"{where} {f.rule} {f.severity} {shown(f.message)}{note}{status}")
        if show_fixes:
            lines += _fix_under(report, f, color)
    if not show_fixes:
        lines += _fixes(report, color)
    s = report.summary
    verdict = "passed" if s.passed else "failed"
    counts = (
        f"{s.systems} system{'s' if s.systems != 1 else ''} checked: "
        f"{s.errors} error{'s' if s.errors != 1 else ''}, "
        f"{s.warnings} warning{'s' if s.warnings != 1 else ''}, {s.infos} info, {s.waived} waived; {verdict}"
    )
    if report.base_systems is not None:
        counts += f" ({len(report.fixed)} fixed by this change)"
    if color:
        counts = f"{_BOLD}{_GREEN if s.passed else _COLORS['error']}{counts}{_RESET}"
    lines.append(counts)
    if report.head_policies is not None:
        _, head = report.head_policies
        lines.append(
            "with the policies of this change instead: "
            f"{head.errors} error{'s' if head.errors != 1 else ''}, "
            f"{head.warnings} warning{'s' if head.warnings != 1 else ''}; "
            f"{'passed' if head.passed else 'failed'}"
        )
    return "\n".join(lines) + "\n"
