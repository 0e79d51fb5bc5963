"""charter explain RULE: one rule's page — what it checks, why, an example, the fix, the controls."""

from __future__ import annotations

import difflib
import sys
import textwrap
from typing import Any

from checker.commands.rules import declared_severity, tier_exceptions
from checker.errors import EXIT_OK, FatalError
from checker.policy import PolicySet, Rule, load_policies
from checker.workspace import open_workspace

WIDTH = 88
# These rules are reported by Charter itself while it reads documents and compares policies, or
# scope themselves across the base revision and the change, so their appliesTo does not say what
# they look at.
_ENGINE_SCOPE = {
    "OWN003": "AISystems whose tier, in the change or in the base revision, is one of the tiers parameter",
    "SCH001": "every Charter document (AISystem, Evidence) and every YAML file that should hold one",
    "SCH004": "symbolic links and submodules in the configured globs or checked paths, or named *.yaml",
    "SCH005": "Charter documents outside the configured globs, and non-Charter documents inside them",
    "POL001": "the policy files and the configuration, compared with the base revision",
    "CHG004": (
        "the base revision's AISystems inside the checked paths whose stage there is not in removableStages"
    ),
}


def find_rule(policies: PolicySet, query: str) -> Rule:
    """The rule with this id (any case) or name; an unknown one is an error naming the closest."""
    wanted = query.strip()
    for rule in policies.rules.values():
        if wanted.upper() == rule.id or wanted.lower() == rule.model.name:
            return rule

    def likeness(rule: Rule) -> float:
        return max(
            difflib.SequenceMatcher(None, wanted.upper(), rule.id).ratio(),
            difflib.SequenceMatcher(None, wanted.lower(), rule.model.name).ratio(),
        )

    closest = max(sorted(policies.rules.values(), key=lambda r: r.id), key=likeness)
    raise FatalError(f"unknown rule {query!r}; did you mean {closest.id} ({closest.model.name})?")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _paragraph(text: str) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent="  ", subsequent_indent="  ")


def _snippet(text: str) -> list[str]:
    return ["    " + line if line else "" for line in text.rstrip("\n").split("\n")]


def _scope(rule: Rule) -> list[str]:
    if rule.id in _ENGINE_SCOPE:
        return [f"  Applies to: {_ENGINE_SCOPE[rule.id]}."]
    scope = rule.model.appliesTo
    kinds = scope.kind if isinstance(scope.kind, list) else [scope.kind]
    lines = [
        f"  Kinds:  {', '.join(kinds)}",
        f"  Stages: {', '.join(scope.stage) if scope.stage else 'every stage'}",
        f"  Tiers:  {', '.join(scope.tier) if scope.tier else 'every tier'}",
    ]
    if rule.applies_when:
        lines.append(f"  When:   {' and '.join(c.describe() for c in rule.applies_when)}")
    return lines


def _severity(rule: Rule, overridden: bool) -> list[str]:
    if not rule.enabled:
        lines = [f"  disabled by the configuration (the pack says {declared_severity(rule)})"]
    elif overridden:
        lines = [
            f"  {rule.severity} for every tier, set by the configuration "
            f"(the pack says {declared_severity(rule)})"
        ]
    else:
        exceptions = tier_exceptions(rule.severity, rule.model.severityByTier).items()
        softer = [f"{severity} for {' and '.join(tiers)} tier systems" for severity, tiers in exceptions]
        lines = ["  " + "; ".join([rule.severity, *softer])]
    if rule.enabled and rule.enforce_after and rule.severity == "error":
        lines.append(f"  reported as a warning until {rule.enforce_after.isoformat()} (enforceAfter)")
    lines.append(f"  Waivable: {'yes' if rule.model.waivable else 'no'}")
    lines.append(
        "  Needs a base: yes; it compares with the revision given by --base"
        if rule.model.needsBase
        else "  Needs a base: no"
    )
    if rule.model.needsPullRequest:
        lines.append("  Needs a pull request: yes; it verifies the pull request's reviews on GitHub")
    return lines


def _parameters(rule: Rule) -> list[str]:
    if not rule.params:
        return ["  none"]
    lines = []
    for key in sorted(rule.params):
        value, default = rule.params[key], rule.model.params.get(key)
        note = f"  (configured; the pack says {_show(default)})" if value != default else ""
        lines.append(f"  {key} = {_show(value)}{note}")
    return lines


def render_page(rule: Rule, overridden: bool) -> str:
    """The page of one rule, with the configuration's severity and parameters applied."""
    model = rule.model
    example = model.example
    lines = [f"{rule.id} ({model.name})", ""]
    checks = [f"  {model.title.rstrip('.')}.", f"  Policy: {rule.policy}", *_scope(rule)]
    lines += ["What it checks", *checks, ""]
    lines += ["Why it matters", *_paragraph(model.why), ""]
    lines += ["Example that fails"]
    lines += [*_snippet(example.fail), ""] if example else ["  (this rule has no example)", ""]
    lines += ["How to fix it", *_paragraph(model.remediation), ""]
    if example:
        lines += [*_snippet(example.fix), ""]
    lines += ["Severity", *_severity(rule, overridden), ""]
    lines += ["Parameters", *_parameters(rule), ""]
    lines += ["Controls", *(f"  - {control}" for control in model.controls)]
    return "\n".join(lines) + "\n"


def run_explain(query: str, config: str | None) -> int:
    workspace = open_workspace(["."], config)
    policies = load_policies(workspace.config)
    rule = find_rule(policies, query)
    sys.stdout.write(render_page(rule, rule.id in policies.overridden))
    return EXIT_OK
