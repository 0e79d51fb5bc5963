"""The rule fixtures under tests/rules/, read in either of their two formats (tests/rules/README.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests import overlay

RULES_DIR = Path(__file__).parent / "rules"
CLEAN = RULES_DIR / "_clean.yaml"
PATCH_SUFFIX = ".patch.yaml"
_SIBLING_SUFFIXES = (".base.yaml", ".charter.yaml")
_EDITS = ("set", "delete", "lines", "append")

EXPECT = re.compile(r"^# expect: ([A-Z]{3}[0-9]{3}) (?:(\S+):)?(\d+):(\d+)\s*$")
LINK = re.compile(r"^# link: (\S+) -> (\S+)\s*$")
ADDS = re.compile(r"^# adds: (\S+)\s*$")
APPROVED_BY = re.compile(r"^# approved-by:(.*)$")


@dataclass(frozen=True)
class RuleFixture:
    """One fixture, whichever its format: the texts the test writes into the repository."""

    rule: str
    outcome: str  # "pass" or "fail"
    name: str
    manifest: str  # ai-systems/<name>.yaml
    base: str | None = None  # the base revision of that file
    config: str | None = None  # the repository's .charter.yaml
    base_config: str | None = None  # the base revision's .charter.yaml

    @property
    def target(self) -> str:
        return f"ai-systems/{self.name}.yaml"

    def expected(self) -> set[tuple[str, str, int, int]]:
        """The findings the manifest's `# expect:` lines name: (rule, file, line, column)."""
        found = set()
        for match in filter(None, map(EXPECT.match, self.manifest.splitlines())):
            rule, file, row, col = match.groups()
            found.add((rule, file or self.target, int(row), int(col)))
        return found

    def links(self) -> list[tuple[str, str]]:
        return [(m[1], m[2]) for m in filter(None, map(LINK.match, self.manifest.splitlines()))]

    def adds(self) -> tuple[str, ...]:
        return tuple(m[1] for m in filter(None, map(ADDS.match, self.manifest.splitlines())))

    def approved_by(self) -> tuple[str, ...] | None:
        """Who approved the pull request the change is checked in; None when it is checked in none."""
        found = [m[1].split() for m in filter(None, map(APPROVED_BY.match, self.manifest.splitlines()))]
        return tuple(found[0]) if found else None


def fixture_paths() -> list[Path]:
    """Every fixture file of every rule: NAME.patch.yaml or NAME.yaml, never their siblings."""
    found = []
    for rule_dir in sorted(p for p in RULES_DIR.iterdir() if re.fullmatch(r"[A-Z]{3}[0-9]{3}", p.name)):
        for outcome in ("pass", "fail"):
            found += sorted(
                p for p in (rule_dir / outcome).glob("*.yaml") if not p.name.endswith(_SIBLING_SUFFIXES)
            )
    return found


def fixture_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}/{_name(path)}"


def load_fixture(path: Path) -> RuleFixture:
    rule, outcome, name = path.parent.parent.name, path.parent.name, _name(path)
    if path.name.endswith(PATCH_SUFFIX):
        return _from_patch(path, rule, outcome, name)
    return RuleFixture(
        rule,
        outcome,
        name,
        path.read_text(encoding="utf-8"),
        base=_read(path.with_name(f"{name}.base.yaml")),
        config=_read(path.with_name(f"{name}.charter.yaml")),
        base_config=_read(path.with_name(f"{name}.base.charter.yaml")),
    )


def manifest_from_patch(header: str, patch: dict) -> str:
    """header (the patch file's leading comment lines) and _clean.yaml's body, patched."""
    clean = CLEAN.read_text(encoding="utf-8")
    return header + overlay.apply(body_of(clean), {k: v for k, v in patch.items() if k in _EDITS})


def _from_patch(path: Path, rule: str, outcome: str, name: str) -> RuleFixture:
    text = path.read_text(encoding="utf-8")
    patch = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    unknown = set(patch) - {*_EDITS, "base", "config", "base_config"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    header = text[: len(text) - len(body_of(text))]
    base = patch.get("base")
    return RuleFixture(
        rule,
        outcome,
        name,
        manifest_from_patch(header, patch),
        base=None if base is None else manifest_from_patch(base.get("header", header), base),
        config=patch.get("config"),
        base_config=patch.get("base_config"),
    )


def body_of(text: str) -> str:
    """text after its leading comment lines."""
    lines = text.splitlines(keepends=True)
    skip = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[skip:])


def _name(path: Path) -> str:
    return path.name.removesuffix(PATCH_SUFFIX).removesuffix(".yaml")


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None
