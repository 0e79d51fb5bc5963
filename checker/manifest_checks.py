"""Built-in checks that read one AISystem manifest and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from checker import component_checks as parts
from checker.check_values import as_dict, as_list
from checker.conditions import Env, Failure, as_date, is_missing, lookup
from checker.document import FieldPath


def current_version(spec: Mapping[str, Any]) -> tuple[str | None, FieldPath]:
    for i, component in enumerate(as_list(spec.get("components"))):
        if (
            isinstance(component, dict)
            and component.get("kind") in parts.PINNED_KINDS
            and component.get("version")
        ):
            return str(component["version"]), ("spec", "components", i, "version")
    return None, ()


def rollback_target_differs(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """The rollback target is a different version from the model that is running now."""
    spec = as_dict(value.get("spec"))
    target = lookup(spec, ("rollback", "target", "version"))
    current, _ = current_version(spec)
    if target is not None and current is not None and str(target) == current:
        yield Failure(
            ("spec", "rollback", "target", "version"),
            f"the rollback target {target} is the version running now; name the last known good one",
        )


def _released(spec: Mapping[str, Any]) -> tuple[dict[str, dt.date], dict[str, int]]:
    """(the day each version was released, the index of each version's entry) from spec.releases.

    The log is append-only, so a version listed twice was last released on its last entry's date.
    """
    days: dict[str, dt.date] = {}
    entries: dict[str, int] = {}
    for j, release in enumerate(as_list(spec.get("releases"))):
        if not isinstance(release, dict) or release.get("version") is None:
            continue
        entries[str(release["version"])] = j
        day = as_date(release.get("date"))
        if day is not None:
            days[str(release["version"])] = day
    return days, entries


def _evaluated(spec: Mapping[str, Any], kinds: Any) -> Iterator[tuple[int, dict[str, Any], dt.date]]:
    """(index, component, evaluation date) of each component of kinds whose evaluation has a date.

    A missing or unreadable date is the field assertions' to report.
    """
    for i, component in enumerate(as_list(spec.get("components"))):
        if isinstance(component, dict) and component.get("kind") in as_list(kinds):
            evaluated = as_date(lookup(component, ("evaluation", "date")))
            if evaluated is not None:
                yield i, component, evaluated


def evaluation_before_release(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """A model's evaluation is dated no later than the release entry of its current version."""
    spec = as_dict(value.get("spec"))
    released, _ = _released(spec)
    for i, component, evaluated in _evaluated(spec, params["kinds"]):
        version = str(component.get("version"))
        if version in released and evaluated > released[version]:
            yield Failure(
                ("spec", "components", i, "evaluation", "date"),
                f"the evaluation of {component.get('name')} is dated {evaluated.isoformat()}, after "
                f"release {version} on {released[version].isoformat()}",
            )


def evaluation_after_release(
    env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]
) -> Iterator[Failure]:
    """An llm, prompt or agent is evaluated on or after the release of the version that runs.

    What such a component does is seen only once its version is in place (a provider's snapshot,
    a prompt with its model), so an evaluation dated before that release is of an earlier version;
    and without a dated release of the current version no evaluation can be shown to be of it.
    """
    spec = as_dict(value.get("spec"))
    released, entries = _released(spec)
    message = "{system} runs a component without an evaluation of its current version"
    for i, component, evaluated in _evaluated(spec, params["kinds"]):
        name, version = component.get("name"), component.get("version")
        on = evaluated.isoformat()
        if is_missing(version):
            yield Failure(
                ("spec", "components", i),
                f"{name} has no version, so its evaluation of {on} cannot be tied to a release",
                message,
            )
        elif str(version) in released:
            day = released[str(version)]
            if evaluated < day:
                yield Failure(
                    ("spec", "components", i, "evaluation", "date"),
                    f"the evaluation of {name} is dated {on}, before its version {version} was released "
                    f"on {day.isoformat()}: evaluate the version in production and date the report on or "
                    "after its release",
                    message,
                )
        elif str(version) in entries:
            yield Failure(
                ("spec", "releases", entries[str(version)]),
                f"release {version} has no date, so the evaluation of {name} cannot be shown to follow it",
                message,
            )
        else:
            yield Failure(
                ("spec", "components", i, "version"),
                f"spec.releases has no entry for {version}, the version of {name}, so its evaluation of "
                f"{on} cannot be shown to be of that version",
                message,
            )


def signal_thresholds(env: Env, value: Any, base: FieldPath, params: Mapping[str, Any]) -> Iterator[Failure]:
    """warn and critical lie on the same side of the baseline, critical no closer than warn."""
    for i, signal in enumerate(as_list(lookup(value, ("spec", "monitoring", "signals")))):
        if not isinstance(signal, dict):
            continue
        numbers = [signal.get(k) for k in ("baseline", "warn", "critical")]
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
            continue
        baseline, warn, critical = (float(n) for n in numbers if n is not None)
        side_warn = (warn > baseline) - (warn < baseline)
        side_critical = (critical > baseline) - (critical < baseline)
        if side_warn == 0 or side_warn != side_critical or abs(critical - baseline) < abs(warn - baseline):
            yield Failure(
                ("spec", "monitoring", "signals", i),
                f"signal {signal.get('name')}: warn {warn} and critical {critical} must lie on the same "
                f"side of the baseline {baseline}, critical at least as far from it as warn",
            )
