"""Built-in checks of the components systems are built from today: hosted models, prompts, tools,
agents and retrieval indexes. checker.checks lists them in its registry with the others.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from checker.conditions import Env, Failure, is_missing, lookup
from checker.document import FieldPath
from checker.sources import Resolved

if TYPE_CHECKING:
    from checker.run_context import RunContext

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
SHA256 = re.compile(r"^sha256:[0-9a-f]{64}$")
# Model names that move to another model without the name changing, and why each one floats.
FLOATING = (
    ("latest", "an alias for whichever model is newest"),
    ("*-latest", "an alias for whichever model is newest"),
    ("*:latest", "an alias for whichever model is newest"),
    ("*-preview", "a preview without a date"),
)
# Kinds pinned by a semantic version and a digest unless a provider hosts them.
PINNED_KINDS = ("model", "llm")
SIDE_EFFECTS = ("write", "delete", "execute", "payments", "send-external")
# An exact version: numbers with an optional pre-release or build; no range, tag or wildcard.
EXACT = re.compile(r"^v?[0-9]+(?:\.[0-9]+)*(?:[-+][0-9A-Za-z.-]+)?$")
_LAUNCHERS = ("npx", "uvx", "pnpx", "bunx")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _shown(value: Any) -> str:
    text = str(value)
    return text if text.isprintable() else repr(text)


def components(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, component in enumerate(_list(lookup(value, ("spec", "components")))):
        if isinstance(component, dict):
            yield i, component


def semver_key(version: str) -> tuple[int, int, int, int, str] | None:
    match = SEMVER.fullmatch(version)
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    # A release sorts after its own pre-releases.
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def version_moved(before: Any, after: Any) -> bool:
    """Whether after is a new version of before: higher when both are semver, else merely different."""
    old, new = semver_key(str(before)), semver_key(str(after))
    if old is not None and new is not None:
        return new > old
    if old is not None:
        # A semver version may not step sideways to a name that cannot be ordered after it.
        return False
    return not is_missing(after) and str(after) != str(before)


def floating(name: str, extra: Sequence[str]) -> str | None:
    """Why a provider's model name floats (the pattern it matches, and what that means), or None."""
    for pattern, why in (*FLOATING, *((p, "listed as floating in the rule's floatingModels") for p in extra)):
        if fnmatch.fnmatchcase(name.lower(), str(pattern).lower()):
            return f"it matches '{pattern}', {why}"
    return None


def _provider_failures(
    i: int, component: Mapping[str, Any], provider: Mapping[str, Any], extra: Sequence[str]
) -> Iterator[Failure]:
    at: FieldPath = ("spec", "components", i)
    name = component.get("name")
    if is_missing(component.get("version")):
        yield Failure((*at, "version"), f"{name} has no version")
    model = provider.get("model")
    why = floating(model, extra) if isinstance(model, str) else None
    if why is not None:
        yield Failure((*at, "provider", "model"), f"the model {model} of {name} floats: {why}")
    snapshot = provider.get("snapshot")
    if is_missing(snapshot):
        yield Failure(
            (*at, "provider", "snapshot"),
            f"{name} calls {provider.get('name')} model {model} without a snapshot, so the model can change "
            "under the same name",
        )
    elif isinstance(snapshot, str) and (why := floating(snapshot, extra)) is not None:
        yield Failure((*at, "provider", "snapshot"), f"the snapshot {snapshot} of {name} floats: {why}")


def model_pinned(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Models run by the system are pinned: provider model and snapshot, else semver and sha256 digest."""
    extra = [str(p) for p in _list(params.get("floatingModels"))]
    for i, component in components(value):
        at: FieldPath = ("spec", "components", i)
        provider = component.get("provider")
        if isinstance(provider, dict):
            yield from _provider_failures(i, component, provider, extra)
            continue
        if component.get("kind") not in PINNED_KINDS:
            continue
        version, digest = component.get("version"), lookup(component, ("artifact", "digest"))
        name = component.get("name")
        if is_missing(version):
            yield Failure(
                (*at, "version"), f"{name} has no version", "{system} has a model version that is not semver"
            )
        elif not isinstance(version, str) or not SEMVER.fullmatch(version):
            yield Failure(
                (*at, "version"),
                f"the version {_shown(version)} of {name} is not a semantic version such as 3.2.0",
                "{system} has a model version that is not semver",
            )
        if is_missing(digest) or not isinstance(digest, str) or not SHA256.fullmatch(digest):
            shown = "has no artifact.digest" if is_missing(digest) else f"has the digest {digest}"
            yield Failure(
                (*at, "artifact", "digest"),
                f"{name} {shown}; an immutable sha256:<64 hex digits> is needed",
                "{system} has a model artifact without an immutable sha256 digest",
            )


def sources_exist(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Every source pattern of a component names at least one regular file of the repository."""
    tree = env.run.source_files
    for i, component in components(value):
        patterns = [p for p in _list(component.get("source")) if isinstance(p, str)]
        if not patterns:
            continue
        for j, why in Resolved(tree, patterns).problems:
            yield Failure(("spec", "components", i, "source", j), f"source of {component.get('name')}: {why}")


def source_digest(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A component declaring both source and artifact.digest declares the digest of its source."""
    tree = env.run.source_files
    for i, component in components(value):
        patterns = [p for p in _list(component.get("source")) if isinstance(p, str)]
        declared = lookup(component, ("artifact", "digest"))
        if not patterns or not isinstance(declared, str):
            continue
        computed = Resolved(tree, patterns).digest()
        if declared != computed:
            yield Failure(
                ("spec", "components", i, "artifact", "digest"),
                f"artifact.digest of {component.get('name')} is {declared}, but its source files digest "
                f"to {computed}",
            )


def source_change(run: RunContext, before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    """The files a component's source names whose content changed since the base, or None.

    The source patterns of both revisions are read in both trees: narrowing or dropping the source
    in the same change does not hide an edit of a file the base named.
    """
    base_tree = run.base_files
    if base_tree is None:
        return None
    tree = run.source_files
    changed: set[str] = set()
    for component in (before, after):
        patterns = [p for p in _list(component.get("source")) if isinstance(p, str)]
        if not patterns:
            continue
        then, now = Resolved(base_tree, patterns), Resolved(tree, patterns)
        for path in sorted(set(then.files) | set(now.files)):
            if then.files.get(path) != now.files.get(path) or base_tree.read(path) != tree.read(path):
                changed.add(path)
    if not changed:
        return None
    shown = sorted(changed)
    more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
    return f"{', '.join(shown[:3])}{more}"


def tools_approved(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A tool that can change the world asks a person first, unless a person approves every decision."""
    in_the_loop = lookup(value, ("spec", "oversight", "mode")) == "in-the-loop"
    for i, component in components(value):
        if component.get("kind") != "tool" and "tool" not in component:
            continue
        name = component.get("name")
        permissions = lookup(component, ("tool", "permissions"))
        if is_missing(permissions):
            yield Failure(
                ("spec", "components", i, "tool", "permissions"),
                f"tool {name} declares no permissions, so what it may do is unknown",
            )
            continue
        acts = [p for p in _list(permissions) if p in SIDE_EFFECTS]
        if acts and not in_the_loop and lookup(component, ("tool", "approval")) != "required":
            # At the approval when it says none, else at the permissions that call for it.
            key = "approval" if "approval" in component.get("tool", {}) else "permissions"
            yield Failure(
                ("spec", "components", i, "tool", key),
                f"tool {name} may {', '.join(acts)} without a person's approval: set tool.approval to "
                "required, or spec.oversight.mode to in-the-loop",
            )


def _launched(command: str) -> str | None:
    """Why a command that starts a tool server fetches a package that is not pinned, or None."""
    try:
        words = shlex.split(command)
    except ValueError:
        return f"the command '{command}' cannot be read"
    for k, word in enumerate(words):
        launcher = word.rsplit("/", 1)[-1]
        if launcher not in _LAUNCHERS:
            continue
        package = _package_of(words[k + 1 :])
        if package is None:
            return f"'{command}' names no package for {launcher}"
        if not _pinned_spec(package):
            return f"{launcher} fetches {package}, which is not pinned to an exact version"
        return None
    return None


def _package_of(words: list[str]) -> str | None:
    """The package a launcher runs: the value of --package/--from/-p, else its first argument."""
    for k, word in enumerate(words):
        for flag in ("--package", "--from", "-p"):
            if word == flag and k + 1 < len(words):
                return words[k + 1]
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return next((w for w in words if not w.startswith("-")), None)


def _pinned_spec(package: str) -> bool:
    """Whether a package argument (name@1.2.3, @scope/name@1.2.3, name==1.2.3) names an exact version."""
    if "==" in package:
        return bool(EXACT.fullmatch(package.split("==", 1)[1]))
    name, at, version = package[1:].rpartition("@") if package.startswith("@") else package.rpartition("@")
    return bool(at) and bool(name) and bool(EXACT.fullmatch(version))


def _server_problem(tool: Mapping[str, Any]) -> tuple[FieldPath, str] | None:
    server = tool.get("server")
    if not isinstance(server, dict):
        if tool.get("type") == "mcp":
            return ("tool",), "an MCP tool names no server (a package and version, or a url)"
        return None
    if isinstance(server.get("command"), str):
        why = _launched(server["command"])
        if why is not None:
            return ("tool", "server", "command"), why
    package, version = server.get("package"), server.get("version")
    if package is not None:
        if is_missing(version):
            return ("tool", "server"), f"the package {package} has no version"
        if not EXACT.fullmatch(str(version)):
            return ("tool", "server", "version"), f"{package} {version} is not an exact version"
    elif is_missing(server.get("url")) and is_missing(server.get("command")):
        return ("tool", "server"), "the server names no package, command or url"
    return None


def tools_pinned(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """Tool servers run exact versions; an agent names the tools it may call, each a tool component."""
    declared = {c.get("name") for _, c in components(value) if c.get("kind") == "tool"}
    for i, component in components(value):
        at: FieldPath = ("spec", "components", i)
        name = component.get("name")
        tool = component.get("tool")
        if isinstance(tool, dict):
            problem = _server_problem(tool)
            if problem is not None:
                yield Failure((*at, *problem[0]), f"tool {name}: {problem[1]}")
        if component.get("kind") != "agent":
            continue
        tools = component.get("tools")
        if is_missing(tools):
            yield Failure((*at, "tools"), f"agent {name} does not list the tools it may call")
        for j, tool_name in enumerate(_list(tools)):
            if tool_name not in declared:
                yield Failure(
                    (*at, "tools", j), f"agent {name} may call {tool_name}, which is not a tool component"
                )


def retrieval_sources(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """A retrieval index names the spec.data entries it holds, so their governance covers it."""
    data = {d.get("name") for d in _list(lookup(value, ("spec", "data"))) if isinstance(d, dict)}
    for i, component in components(value):
        if component.get("kind") != "retrieval":
            continue
        name = component.get("name")
        sources = component.get("sources")
        if is_missing(sources):
            yield Failure(
                ("spec", "components", i, "sources"),
                f"retrieval index {name} does not name the spec.data entries it holds",
            )
        for j, source in enumerate(_list(sources)):
            if source not in data:
                yield Failure(
                    ("spec", "components", i, "sources", j),
                    f"retrieval index {name} holds {source}, which is not a spec.data entry",
                )


def refresh_activity(component: Mapping[str, Any]) -> str:
    """The maintenance activity that proves a retrieval index is refreshed on its cadence."""
    return f"{component.get('name')}-refresh"


def refreshes(value: Any) -> Iterator[tuple[FieldPath, str, Any]]:
    """(where, activity, cadence) of every component with a refresh cadence."""
    for i, component in components(value):
        if not is_missing(component.get("refresh")):
            yield ("spec", "components", i, "refresh"), refresh_activity(component), component["refresh"]
