"""What the checks read of documents that are only context, and such documents pruned to it.

A run that names some files (as a pre-commit hook does) reads every other file only as context:
the rules of the named files look its documents up, and reports never show them. Each check
declares what it reads of documents other than the one it judges (the ``reads`` of its
checker.conditions.Builtin; the engine's own rules in checker.engine_rules), and a context document
keeps the union of what the enabled rules' checks declare, and nothing else.

A declaration maps a kind of document to the dotted paths of the fields read, "" being the whole
document; a path through a list is read in each of its items. It may be a function of the check's
parameters, when they name fields.

The cache keeps context documents pruned to what every check Charter itself declares, read with
its default parameters (``cached_fields``), so that what it holds never depends on the policies: a
run whose enabled checks read more (a plugin, a parameter naming another field) reads context files
whole from it instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from checker.charter_documents import Source
from checker.document import Document

if TYPE_CHECKING:
    from checker.policy import PolicySet

# Kind of document -> dotted paths of the fields read ("" for the whole document).
Reads = Mapping[str, tuple[str, ...]]
# What a check declares: the fields, or how its parameters decide them.
Declared = Reads | Callable[[Mapping[str, Any]], Reads]
# Kind of document -> the fields kept, as nested mappings of keys (None keeps the whole value).
Keep = Mapping[str, Any]

# What Charter reads of every context document, whatever the rules: a system's name, by which every
# lookup finds it; the system evidence is about, which files it in the index; and a system's risk
# tier, which sets the severity of a finding about the system wherever the finding is.
ALWAYS: Reads = {"AISystem": ("metadata.name", "spec.risk.tier"), "Evidence": ("spec.system",)}
# The people directory whole: who someone is, and who belongs to a team, for every rule that judges
# an approval or names a person.
PEOPLE: Reads = {"Directory": ("",)}


def well_formed(reads: Any) -> bool:
    """Whether reads has the shape of a declaration: kinds, each with a tuple or list of dotted paths."""
    return isinstance(reads, Mapping) and all(
        isinstance(kind, str) and isinstance(paths, (tuple, list)) and all(isinstance(p, str) for p in paths)
        for kind, paths in reads.items()
    )


def reads_of(declared: Declared, params: Mapping[str, Any]) -> Reads:
    """What a declaration says is read, for a check with these parameters."""
    return declared(params) if callable(declared) else declared


def joined(*reads: Reads) -> dict[str, tuple[str, ...]]:
    """Several declarations as one."""
    out: dict[str, tuple[str, ...]] = {}
    for declared in reads:
        for kind, paths in declared.items():
            out[kind] = (*out.get(kind, ()), *(p for p in paths if p not in out.get(kind, ())))
    return out


def fields(reads: Iterable[Reads]) -> Keep:
    """The fields kept of each kind of document, to read what each of the declarations reads."""
    tree: dict[str, Any] = {}
    for declared in reads:
        for kind, paths in declared.items():
            for path in paths:
                tree[kind] = _add(tree.get(kind, {}), path.split(".") if path else [])
    return tree


def _add(node: Mapping[str, Any] | None, parts: list[str]) -> Mapping[str, Any] | None:
    if node is None or not parts:
        return None
    grown = dict(node)
    grown[parts[0]] = _add(node.get(parts[0], {}), parts[1:])
    return grown


def covers(outer: Any, inner: Any) -> bool:
    """Whether keeping outer keeps everything inner keeps (both as fields returns them)."""
    if outer is None:
        return True
    if inner is None:
        return False
    return all(key in outer and covers(outer[key], kept) for key, kept in inner.items())


def prune(value: Any, keep: Mapping[str, Any] | None) -> Any:
    """value with only the fields keep names (keep None: all of it)."""
    if keep is None:
        return value
    if isinstance(value, list):
        return [prune(item, keep) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: prune(v, keep[k]) for k, v in value.items() if k in keep}


def context_only(source: Source, keep: Keep) -> Source:
    """source reduced to what is read of a document that is only context.

    A kind no check reads anything of keeps nothing but its name; one read whole keeps its
    positions too, as the name's are kept for every kind.
    """
    doc = source.doc
    kept = keep.get(source.kind, {})
    small = Document(prune(doc.data, kept), doc.index, doc.line, doc.column)
    # Part of the data keeps what is true of all of it.
    small.plain, small.number_keys = doc.plain, doc.number_keys
    if kept is None:
        small.keys, small.values = dict(doc.keys), dict(doc.values)
    for path in (("metadata",), ("metadata", "name")):
        if path in doc.keys:
            small.keys[path] = doc.keys[path]
        if path in doc.values:
            small.values[path] = doc.values[path]
    return Source(source.file, small, source.kind, source.name, source.problems)


def enabled_fields(*policy_sets: PolicySet) -> Keep:
    """What the enabled rules of the policy sets read of context documents, with ALWAYS."""
    from checker.conditions import checks_in
    from checker.engine_rules import ENGINE_RULES

    found: list[Reads] = [ALWAYS]
    for policies in policy_sets:
        for rule in policies.enabled():
            role = ENGINE_RULES.get(rule.model.engine or "")
            if role is not None:
                found.append(reads_of(role.reads, rule.params))
            found.extend(check.reads() for check in checks_in((*rule.applies_when, *rule.conditions)))
    return fields(found)


@functools.lru_cache(maxsize=1)
def cached_fields() -> Keep:
    """What the cache keeps of context documents: what every built-in check and engine rule reads."""
    from checker.checks import BUILTINS
    from checker.engine_rules import ENGINE_RULES

    found: list[Reads] = [ALWAYS]
    found.extend(reads_of(check.reads, check.params) for check in BUILTINS.values())
    found.extend(reads_of(role.reads, role.pack_params) for role in ENGINE_RULES.values())
    return fields(found)
