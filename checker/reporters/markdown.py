"""The markdown report: the sticky pull-request comment and the job summary.

Manifest text reaches people who did not write it, so every value is made inert before it is
placed in the template: markdown punctuation is backslash-escaped, ``<``, ``>`` and ``&`` become
entities, and a zero-width joiner (U+200D) is put after ``@``, ``#`` and the ``GH-`` of an issue
reference and inside ``://`` and ``www.``. The joiner, rather than a code span, because GitHub
finds @-mentions, issue references and bare links in the rendered text, after markdown escapes are
gone; a joiner breaks the match wherever the text stands (table cells included, where a code span
would still split on ``|``) and reads exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from checker.reporters import model
from checker.reporters.base import Report
from checker.templating import render

MARKER = "<!-- charter:report -->"
GITHUB_LIMIT = 65536
ZWJ = "\u200d"
# Sections dropped first when the comment is too long: the ones a reviewer needs least.
DROP_ORDER = ("waived", "existing", "failing", "fixed", "new")
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "@": "@" + ZWJ,
    "#": "\\#" + ZWJ,
    **{c: "\\" + c for c in "\\`*_[]()!|~$"},
}
_SPECIAL = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")
_SCHEME = re.compile("://")
_WWW = re.compile(r"(?i)\b(www)\.")
_ISSUE = re.compile(r"(?i)\b(gh)-(?=[0-9])")
_ICONS = {"error": "❌", "warning": "⚠️", "info": "\N{INFORMATION SOURCE}\ufe0f"}


def md(value: Any) -> str:
    """value as inert markdown text on one line: no link, image, HTML or mention can open."""
    text = model.one_line(value)
    text = _SCHEME.sub(":" + ZWJ + "//", text)
    text = _WWW.sub(r"\1" + ZWJ + ".", text)
    text = _ISSUE.sub(r"\1-" + ZWJ, text)
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text)


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
    omitted: bool = False


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


def _context(report: Report, sections: list[SectionView], diff: bool, limit: int) -> dict[str, Any]:
    s = report.summary
    waivers = model.waivers(report)
    omitted = sum(len(v.rows) for v in sections if v.omitted)
    extra = ""
    if report.base_systems is not None:
        new = sum(len(v.rows) for v in sections if v.key == "new")
        fixed = sum(len(v.rows) for v in sections if v.key == "fixed")
        extra = f"; {new} new, {fixed} fixed by this change"
    head = None
    if report.head_policies is not None:
        digest, summary = report.head_policies
        head = {
            "digest": md(digest),
            "counts": f"{model.plural(summary.errors, 'error')}, {model.plural(summary.warnings, 'warning')}",
            "passed": summary.passed,
        }
    diffs = model.governance_diff(report) if diff else []
    return {
        "marker": MARKER,
        "passed": s.passed,
        "counts": md(model.counts(report)) + extra,
        "head": head,
        "diff_shown": diff,
        "diffs": [
            {
                "name": md(d.name),
                "kind": d.kind,
                "changes": [
                    {"label": md(c.label), "before": md(c.before) or "—", "after": md(c.after) or "—"}
                    for c in d.changes
                ],
            }
            for d in diffs
        ],
        "diff_left_out": report.base_systems is not None and not diff,
        "with_base": report.base_systems is not None,
        "sections": sections,
        "omitted": omitted,
        "limit": limit,
        "expiring": [
            {
                "system": md(w.system),
                "rule": md(w.rule),
                "expires": md(w.expires),
                "days": w.days_left,
                "approved_by": md(w.approved_by),
                "reason": md(w.reason),
                "ticket": md(w.ticket),
            }
            for w in model.expiring(waivers)
        ],
        "window": model.EXPIRY_WINDOW_DAYS,
        "provenance": {k: md(v) for k, v in vars(model.provenance(report)).items()},
    }


def render_markdown(report: Report, limit: int = GITHUB_LIMIT) -> str:
    """The report as markdown of at most limit characters, leaving out whole sections to fit."""
    waivers = model.waivers(report)
    sections = [SectionView(s.key, s.title, _rows(s, waivers)) for s in model.sections(report)]
    text = render("report.md.j2", **_context(report, sections, True, limit))
    for key in DROP_ORDER:
        if len(text) <= limit:
            return text
        sections = [replace(v, omitted=True) if v.key == key and v.rows else v for v in sections]
        text = render("report.md.j2", **_context(report, sections, True, limit))
    if len(text) > limit:
        text = render("report.md.j2", **_context(report, sections, False, limit))
    if len(text) > limit:
        # Nothing else can go; keep the top of the comment, which holds the verdict.
        note = "\n\n_The report was cut here to fit; see the full report._\n"
        text = text[: max(0, limit - len(note))].rsplit("\n", 1)[0] + note
    return text[:limit]


def render_markdown_format(report: Report, color: bool = False) -> str:
    """The markdown reporter as `charter check --format markdown` calls it."""
    return render_markdown(report)
