"""The HTML report: one self-contained file a governance lead can forward or file as audit evidence.

Everything is in the file: the stylesheet is inlined and allowed by its hash in a
Content-Security-Policy that forbids every load from the network, and there is no script at all.
The template autoescapes every value.
"""

from __future__ import annotations

import base64
import hashlib

from markupsafe import Markup

from checker.reporters import model
from checker.reporters.base import PLAIN, Output, Report
from checker.templating import render


def _style_hash(css: str) -> str:
    """The base64 SHA-256 by which a CSP allows exactly this stylesheet and no other."""
    return base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")


def render_html(report: Report, output: Output = PLAIN) -> str:
    """The report as one self-contained HTML file."""
    css = render("report.css.j2")
    waivers = model.waivers(report)
    sections = model.sections(report)
    reasons = {
        (i.system, i.rule): model.waiver_reason(waivers, i.rule, i.system)
        for s in sections
        for i in s.items
        if i.waived
    }
    return render(
        "report.html.j2",
        # Trusted: the stylesheet is Charter's own file, and its hash is what the CSP allows.
        css=Markup(css),
        style_hash=_style_hash(css),
        summary=report.summary,
        counts=model.counts(report),
        notes=[(model.one_line(n.rule), model.one_line(n.message)) for n in report.notes],
        fail_on=report.fail_on,
        provenance=model.provenance(report),
        head=report.head_policies[1] if report.head_policies else None,
        with_base=report.base_systems is not None,
        diffs=model.governance_diff(report),
        systems=model.system_rows(report),
        sections=sections,
        reasons=reasons,
        waivers=waivers,
        window=model.EXPIRY_WINDOW_DAYS,
        freshness=model.freshness(report),
        coverage=model.coverage(report),
        results=model.RESULTS,
        undeclared=report.undeclared,
    )
