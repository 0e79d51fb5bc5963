"""charter rules: the table of every rule in effect, with its severity and controls."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
import typing
from collections.abc import Callable, Mapping
from typing import Any

from checker.errors import EXIT_OK
from checker.policy import PolicySet, Rule, Tier, load_policies
from checker.workspace import open_workspace

TIERS: tuple[Tier, ...] = typing.get_args(Tier)


def tier_exceptions(severity: str, by_tier: Mapping[Tier, str] | None) -> dict[str, list[str]]:
    """The tiers whose severity differs from `severity`, grouped by the severity they get instead."""
    grouped: dict[str, list[str]] = {}
    for tier in TIERS:
        other = (by_tier or {}).get(tier)
        if other is not None and other != severity:
            grouped.setdefault(other, []).append(tier)
    return grouped


def _tier_notes(severity: str, by_tier: Mapping[Tier, str] | None) -> list[str]:
    return [f"{', '.join(tiers)}: {other}" for other, tiers in tier_exceptions(severity, by_tier).items()]


def declared_severity(rule: Rule) -> str:
    """The severity as the policy file declares it, before the configuration."""
    notes = _tier_notes(rule.model.severity, rule.model.severityByTier)
    return f"{rule.model.severity} ({'; '.join(notes)})" if notes else rule.model.severity


def severity_note(rule: Rule, overridden: bool) -> str:
    """The effective severity as one short cell: 'error (low: warning)', 'warning (configured)'."""
    if not rule.enabled:
        return "disabled"
    # A severity set in the configuration holds for every tier.
    notes = ["configured"] if overridden else _tier_notes(rule.severity, rule.model.severityByTier)
    if rule.enforce_after and rule.severity == "error":
        notes.append(f"warning until {rule.enforce_after.isoformat()}")
    return f"{rule.severity} ({'; '.join(notes)})" if notes else rule.severity


def _row(rule: Rule, policies: PolicySet) -> dict[str, Any]:
    overridden = rule.id in policies.overridden
    return {
        "id": rule.id,
        "name": rule.model.name,
        "title": rule.model.title,
        "severity": rule.severity,
        "severityByTier": None if overridden else rule.model.severityByTier,
        "severityNote": severity_note(rule, overridden),
        "enabled": rule.enabled,
        "enforceAfter": rule.enforce_after.isoformat() if rule.enforce_after else None,
        "waivable": rule.model.waivable,
        "needsBase": rule.model.needsBase,
        "policy": rule.policy,
        "params": rule.params,
        "controls": list(rule.model.controls),
    }


def rule_rows(policies: PolicySet) -> list[dict[str, Any]]:
    """Every rule of the set as plain data, in id order."""
    return [_row(policies.rules[rule_id], policies) for rule_id in sorted(policies.rules)]


# Narrower terminals still get whole words: a rule's name is never broken.
MIN_WIDTH = 40
INDENT = " " * 8


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """One row a line, the columns aligned, so that grep finds a rule with all its columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)), row[-1]])
        for row in rows
    ]


def _wrap(text: str, width: int, first: str = INDENT) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=INDENT,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _blocks(rows: list[tuple[str, ...]], width: int) -> list[str]:
    """Each rule as a block for a narrow terminal: id, severity and name, then title and controls."""
    lines = []
    for rule_id, severity, name, title, controls in rows[1:]:
        lines += _wrap(f"{rule_id.ljust(len(INDENT) - 2)}  {severity}  {name}", width, first="")
        lines += _wrap(title, width)
        # A control ("EU-AI-Act Art.17") stays on one line: lines break only between controls.
        glued = controls.replace(", ", ",\n").replace(" ", "\xa0").replace(",\n", ", ")
        lines += [line.replace("\xa0", " ") for line in _wrap(glued, width)]
    return lines


def rules_text(policies: PolicySet, width: int | None = None) -> str:
    """The rules as a table when it fits the terminal's width, else as one wrapped block a rule."""
    if width is None:
        width = shutil.get_terminal_size().columns
    width = max(width, MIN_WIDTH)
    header = ("ID", "SEVERITY", "NAME", "TITLE", "CONTROLS")
    rows = [header] + [
        (r["id"], r["severityNote"], r["name"], r["title"], ", ".join(r["controls"]))
        for r in rule_rows(policies)
    ]
    lines = _table(rows)
    if max(len(line.rstrip()) for line in lines) > width:
        lines = _blocks(rows, width)
    count = len(rows) - 1
    disabled = sum(1 for r in policies.rules.values() if not r.enabled)
    lines.append("")
    footer = (
        f"{count} rules{f', {disabled} disabled' if disabled else ''}; "
        "'charter explain ID' shows what a rule checks and how to fix it."
    )
    lines += textwrap.wrap(footer, width, break_long_words=False)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def rules_json(policies: PolicySet) -> str:
    data = {"policyDigest": policies.digest(), "rules": rule_rows(policies)}
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def rules_markdown(policies: PolicySet) -> str:
    """The GitHub table the README holds between <!-- rules:start --> and <!-- rules:end -->."""
    lines = ["| Rule | Severity | Name | Title | Controls |", "|---|---|---|---|---|"]
    for r in rule_rows(policies):
        cells = [r["id"], r["severityNote"], f"`{r['name']}`", r["title"], ", ".join(r["controls"])]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


FORMATS: dict[str, Callable[[PolicySet], str]] = {
    "text": rules_text,
    "json": rules_json,
    "markdown": rules_markdown,
}


def run_rules(fmt: str, config: str | None) -> int:
    workspace = open_workspace(["."], config)
    sys.stdout.write(FORMATS[fmt](load_policies(workspace.config)))
    return EXIT_OK
