"""What changed in each system's governance facts since the base revision: the reports' governance diff.

Worked out once per run beside the findings, so that every report shows the same rows and no
reporter reads a manifest or a file. Values are one line each as characters.one_line() writes
them, not yet escaped for any format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from checker.characters import one_line
from checker.result import FactChange, SystemChange
from checker.sources import Resolved, Tree

if TYPE_CHECKING:
    from checker.baseline import Baseline
    from checker.run_context import RunContext


def _dig(data: Any, *path: str) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _source_digest(component: Mapping[str, Any], tree: Tree | None) -> str | None:
    """The digest of the files a component's source names in tree; None without a source or tree."""
    patterns = [p for p in _list(component.get("source")) if isinstance(p, str)]
    if not patterns or tree is None:
        return None
    return Resolved(tree, patterns).digest()


def _server(tool: Mapping[str, Any]) -> str:
    """How a tool is reached, after its type: "mcp @scope/server 1.2.3", "api https://…"."""
    server = tool.get("server")
    where = ""
    if isinstance(server, dict):
        pinned = [one_line(server.get(key)) for key in ("package", "version") if server.get(key) is not None]
        where = " ".join(pinned) or one_line(server.get("url") or server.get("command"))
    return " ".join(part for part in (one_line(tool.get("type")), where) if part)


def _component_facts(component: Mapping[str, Any], tree: Tree | None) -> dict[str, Any]:
    """A component's facts, by label: what it is and which version, model, content or power it has."""
    name = one_line(component["name"])
    facts: dict[str, Any] = {
        f"{name} kind": component.get("kind"),
        f"{name} version": component.get("version"),
        f"{name} digest": _dig(component, "artifact", "digest"),
    }
    provider = component.get("provider")
    if isinstance(provider, dict):
        hosted = [one_line(provider.get(key)) for key in ("name", "model") if provider.get(key) is not None]
        facts[f"{name} provider"] = " ".join(hosted)
        facts[f"{name} snapshot"] = provider.get("snapshot")
    # The content of a prompt, tool definition or rules file: its edit shows even when nothing
    # in the manifest moved.
    facts[f"{name} source digest"] = _source_digest(component, tree)
    tool = component.get("tool")
    if isinstance(tool, dict):
        facts[f"{name} server"] = _server(tool)
        facts[f"{name} permissions"] = tool.get("permissions")
        facts[f"{name} approval"] = tool.get("approval")
    facts[f"{name} tools"] = component.get("tools")
    return facts


def governance_facts(data: Any, tree: Tree | None = None) -> dict[str, str]:
    """The facts a reviewer of a governance change looks at, by label, in reading order.

    tree: the revision's files, which component sources are digested from.
    """
    spec = _dig(data, "spec")
    facts = {
        "risk tier": _dig(spec, "risk", "tier"),
        "EU AI Act class": _dig(spec, "risk", "euAiAct", "class"),
        "stage": _dig(spec, "lifecycle", "stage"),
        "team": _dig(spec, "ownership", "team"),
        "accountable owner": _dig(spec, "ownership", "accountable"),
        "technical owner": _dig(spec, "ownership", "technicalOwner"),
        "business owner": _dig(spec, "ownership", "businessOwner"),
    }
    # Who does and who approves what: a change to either is a governance change of its own.
    for entry in _list(_dig(spec, "ownership", "raci")):
        if isinstance(entry, dict):
            label = f"RACI {one_line(entry.get('activity'))}"
            roles = [f"responsible {one_line(entry.get('responsible'))}"]
            if entry.get("accountable") is not None:
                roles.append(f"accountable {one_line(entry.get('accountable'))}")
            facts[label] = "; ".join(filter(None, [facts.get(label), ", ".join(roles)]))
    for i, gate in enumerate(_list(_dig(spec, "reviewGates"))):
        if isinstance(gate, dict):
            needed = gate.get("minApprovals")
            facts[f"review gate {i + 1}"] = (
                f"{one_line(gate.get('changes'))}: {one_line(needed if needed is not None else 1)} of "
                f"{one_line(gate.get('approvers')) or 'anyone'}"
            )
    for component in _list(_dig(spec, "components")):
        if isinstance(component, dict) and component.get("name") is not None:
            facts.update(_component_facts(component, tree))
    facts["rollback target version"] = _dig(spec, "rollback", "target", "version")
    facts["rollback target digest"] = _dig(spec, "rollback", "target", "digest")
    return {label: one_line(value) for label, value in facts.items() if one_line(value)}


def governance_diff(run: RunContext, baseline: Baseline) -> tuple[SystemChange, ...]:
    """Per system, how its governance facts moved from the base revision, by name."""
    project = run.project
    head: dict[str, Any] = {}
    for system in project.systems:
        if system.valid and isinstance(system.name, str) and project.is_reported(system.file):
            head.setdefault(system.name, system.data)
    base = baseline.systems
    whole = project.reported is None
    tree = run.source_files
    diffs = []
    for name in sorted(set(head) | set(base)):
        before = governance_facts(base[name], baseline.files) if name in base else {}
        if name not in head:
            # A system named on the command line alone says nothing about the others' removal.
            if whole:
                diffs.append(SystemChange(one_line(name), "removed", ()))
            continue
        after = governance_facts(head[name], tree)
        labels = list(after) + [label for label in before if label not in after]
        changes = tuple(
            FactChange(label, before.get(label, ""), after.get(label, ""))
            for label in labels
            if before.get(label, "") != after.get(label, "")
        )
        kind = "changed" if name in base else "added"
        if changes or kind == "added":
            diffs.append(SystemChange(one_line(name), kind, changes))
    return tuple(diffs)
