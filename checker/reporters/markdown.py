"""The markdown report: the sticky pull-request comment and the job summary.

Every value from a document is made inert (checker.gfm.md) before it is placed in the template.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from checker.gfm import COMMENT_LIMIT, MARKER, md
from checker.reporters import model
from checker.reporters.base import PLAIN, Output, Report
from checker.templating import render

# Undeclared AI past this many rows is counted, not listed: the findings list every one anyway.
UNDECLARED_LISTED = 50
_ICONS = {"error": "❌", "warning": "⚠️", "info": "\N{INFORMATION SOURCE}\ufe0f"}


@dataclass(frozen=True)
class Row:
    icon: str
    severity: str
    rule: str
    name: str
    where: str
    message: str
    remediation: str
    reason: str


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    rows: tuple[Row, ...]
    # How many of the rows are listed; the rest are counted by severity under the table.
    shown: int = -1
    # Rows without their fix: one line each, when the full rows do not fit.
    compact: bool = False

    @property
    def listed(self) -> tuple[Row, ...]:
        return self.rows if self.shown < 0 else self.rows[: self.shown]

    @property
    def left_out(self) -> str:
        """'3 errors and 12 warnings' for the rows that are not listed; '' when all are."""
        rest = self.rows[len(self.listed) :]
        if self.key in ("fixed", "waived") and rest:
            return model.plural(len(rest), f"{self.key} finding")
        words = {"error": "error", "warning": "warning", "info": "note"}
        parts = [
            model.plural(sum(r.severity == severity for r in rest), word)
            for severity, word in words.items()
            if any(r.severity == severity for r in rest)
        ]
        return " and ".join(", ".join(parts).rsplit(", ", 1)) if parts else ""


def _rows(section: model.Section, waivers: list[model.WaiverRow]) -> tuple[Row, ...]:
    rows = []
    for i in section.items:
        reason = model.waiver_reason(waivers, i.rule, i.system) if i.waived else ""
        rows.append(
            Row(
                icon=_ICONS.get(i.severity, ""),
                severity=i.severity,
                rule=md(i.rule),
                name=md(i.name),
                where=md(i.where),
                message=md(i.message),
                remediation=md(i.remediation) if section.key != "fixed" else "",
                reason=md(reason),
            )
        )
    return tuple(rows)


def _context(
    report: Report, sections: list[SectionView], diff: bool, limit: int, output: Output
) -> dict[str, Any]:
    omitted, omitted_errors = _omitted(sections)
    return {
        "marker": MARKER,
        "passed": report.summary.passed,
        "counts": md(model.counts(report)) + _change(report, sections),
        "notes": [{"rule": md(n.rule), "message": md(n.message)} for n in report.notes],
        "head": _head(report),
        "diff_shown": diff,
        "diffs": _diffs(report) if diff else [],
        "diff_left_out": report.base_systems is not None and not diff,
        "with_base": report.base_systems is not None,
        "sections": sections,
        "omitted": omitted,
        "omitted_errors": omitted_errors,
        "pointer": full_report_pointer(output) if omitted or not diff else "",
        "limit": limit,
        "expiring": _expiring(report),
        "window": model.EXPIRY_WINDOW_DAYS,
        "provenance": {k: md(v) for k, v in vars(model.provenance(report)).items()},
        "undeclared": [
            {
                "where": md(f"{u.file}:{u.line}:{u.column}"),
                "severity": u.severity,
                "status": u.status,
                "detector": md(u.detector or "not read"),
                "what": md(u.what),
            }
            for u in report.undeclared
        ],
        "undeclared_listed": UNDECLARED_LISTED,
    }


def _omitted(sections: list[SectionView]) -> tuple[int, int]:
    """How many rows the sections leave out, and how many of those are errors still open."""
    omitted = sum(len(v.rows) - len(v.listed) for v in sections)
    omitted_errors = sum(
        r.severity == "error"
        for v in sections
        if v.key not in ("fixed", "waived")
        for r in v.rows[len(v.listed) :]
    )
    return omitted, omitted_errors


def _change(report: Report, sections: list[SectionView]) -> str:
    """'; 2 new, 1 fixed by this change' after the counts, with a base; '' without one."""
    if report.base_systems is None:
        return ""
    new = sum(len(v.rows) for v in sections if v.key == "new")
    fixed = sum(len(v.rows) for v in sections if v.key == "fixed")
    return f"; {new} new, {fixed} fixed by this change"


def _head(report: Report) -> dict[str, Any] | None:
    """What the head policies would have said, when they changed."""
    if report.head_policies is None:
        return None
    digest, summary = report.head_policies
    return {
        "digest": md(digest),
        "counts": f"{model.plural(summary.errors, 'error')}, {model.plural(summary.warnings, 'warning')}",
        "passed": summary.passed,
    }


def _diffs(report: Report) -> list[dict[str, Any]]:
    """The governance diff, each system's changes made inert."""
    return [
        {
            "name": md(d.name),
            "kind": d.kind,
            "changes": [
                {"label": md(c.label), "before": md(c.before) or "—", "after": md(c.after) or "—"}
                for c in d.changes
            ],
        }
        for d in model.governance_diff(report)
    ]


def _expiring(report: Report) -> list[dict[str, Any]]:
    """The waivers that expire soon, each value made inert."""
    return [
        {
            "system": md(w.system),
            "rule": md(w.rule),
            "expires": md(w.expires),
            "days": w.days_left,
            "approved_by": md(w.approved_by),
            "reason": md(w.reason),
            "ticket": md(w.ticket),
        }
        for w in model.expiring(model.waivers(report))
    ]


def full_report_pointer(output: Output) -> str:
    """Where the full report is: the artifact the action uploads, or the command that writes it."""
    artifact = output.artifact
    if artifact and output.run_url:
        return f"The full report is the artifact `{md(artifact)}` of [this workflow run]({output.run_url})."
    if artifact:
        return f"The full report is the artifact `{md(artifact)}` of this workflow run."
    return "`charter check --format html` writes the full report."


def _priority(sections: list[SectionView]) -> list[tuple[int, int]]:
    """(section, row) pairs in the order rows are kept: errors, then warnings, then notes, new
    before existing; fixed and waived findings last."""
    order = []
    for severity in ("error", "warning", "info"):
        for si, view in enumerate(sections):
            if view.key in ("fixed", "waived"):
                continue
            order += [(si, ri) for ri, row in enumerate(view.rows) if row.severity == severity]
    for key in ("fixed", "waived"):
        for si, view in enumerate(sections):
            if view.key == key:
                order += [(si, ri) for ri in range(len(view.rows))]
    return order


def _keeping(
    sections: list[SectionView], order: list[tuple[int, int]], k: int, compact: bool
) -> list[SectionView]:
    """The sections listing the first k rows of order; each section's listed rows are a prefix."""
    counts = [0] * len(sections)
    for si, _ in order[:k]:
        counts[si] += 1
    return [replace(v, shown=counts[i], compact=compact) for i, v in enumerate(sections)]


def render_markdown(report: Report, limit: int = COMMENT_LIMIT, output: Output = PLAIN) -> str:
    """The report as markdown of at most limit characters.

    When it is too long, findings are left out from the end of the order errors, warnings, notes
    (new before existing), then fixed and waived, and every section counts what it left out: no
    error is hidden while a warning is listed. Then the governance diff goes, then each listed
    finding is cut to one line without its fix. Only when the errors alone do not fit is an error
    left out, and the note says how many.
    """
    waivers = model.waivers(report)
    sections = [SectionView(s.key, s.title, _rows(s, waivers)) for s in model.sections(report)]
    text = render("report.md.j2", **_context(report, sections, True, limit, output))
    if len(text) <= limit:
        return text
    order = _priority(sections)
    errors = sum(
        sections[si].rows[ri].severity == "error"
        for si, ri in order
        if sections[si].key not in ("fixed", "waived")
    )

    def attempt(k: int, diff: bool, compact: bool) -> str:
        kept = _keeping(sections, order, k, compact)
        return render("report.md.j2", **_context(report, kept, diff, limit, output))

    def most(low: int, high: int, diff: bool, compact: bool) -> str:
        """The longest listing of between low and high rows that fits; low must fit."""
        best = attempt(low, diff, compact)
        while low < high:
            middle = (low + high + 1) // 2
            candidate = attempt(middle, diff, compact)
            if len(candidate) <= limit:
                low, best = middle, candidate
            else:
                high = middle - 1
        return best

    for diff, compact in ((True, False), (False, False), (False, True)):
        if len(attempt(errors, diff, compact)) <= limit:
            return most(errors, len(order), diff, compact)
    if len(attempt(0, False, True)) <= limit:
        return most(0, errors, False, True)
    # Nothing else can go; keep the top of the comment, which holds the verdict.
    text = attempt(0, False, True)
    note = "\n\n_The report was cut here to fit. " + full_report_pointer(output) + "_\n"
    text = text[: max(0, limit - len(note))].rsplit("\n", 1)[0] + note
    return text[:limit]


def render_markdown_format(report: Report, output: Output = PLAIN) -> str:
    """The markdown reporter as `charter check --format markdown` calls it."""
    return render_markdown(report, output=output)
