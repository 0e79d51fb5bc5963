"""One version, written in pyproject.toml; every snippet a user copies pins that release's tag.

RELEASING.md says how a release is cut; these tests name whatever was left behind.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml

import checker
from tests.git_helpers import git_env

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CHANGELOG = ROOT / "CHANGELOG.md"
EXAMPLE = ROOT / ".github" / "workflows" / "charter-example.yml"
URL = "https://github.com/charter-checker/charter"
# How a snippet names this repository's action or hook at a ref.
ACTION_REF = re.compile(r"charter-checker/charter@([^\s#\"'`]+)")


def version_in(pyproject: str) -> str:
    """The [project] version of a pyproject.toml's text."""
    version = tomllib.loads(pyproject)["project"]["version"]
    assert isinstance(version, str)
    return version


VERSION = version_in((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TAG = f"v{VERSION}"


def changelog_date(changelog: str, version: str) -> dt.date | None:
    """The date of the changelog's section for version, or None when it has none."""
    found = re.findall(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d{{2}}-\d{{2}})$", changelog, re.M)
    return dt.date.fromisoformat(found[0]) if len(found) == 1 else None


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=git_env(), timeout=60)


def release_problems(root: Path, tag: str, branch: str = "refs/heads/main") -> list[str]:
    """What is wrong with the release tag in the git repository at root (bare or not); [] when nothing.

    RELEASING.md's rules: an annotated tag vX.Y.Z on a commit of the default branch whose
    pyproject.toml says X.Y.Z and whose CHANGELOG.md has a dated section for it.
    """
    problems = []
    if not re.fullmatch(r"v\d+\.\d+\.\d+", tag):
        problems.append(f"{tag} is not of the form vX.Y.Z")
    kind = git(root, "cat-file", "-t", f"refs/tags/{tag}").stdout.strip()
    if kind != "tag":
        problems.append(f"{tag} is not an annotated tag (git cat-file -t says {kind or 'nothing'})")
    commit = f"refs/tags/{tag}^{{commit}}"
    pyproject = git(root, "show", f"{commit}:pyproject.toml")
    if pyproject.returncode != 0:
        return [*problems, f"{tag} names no commit with a pyproject.toml"]
    version = version_in(pyproject.stdout)
    if f"v{version}" != tag:
        problems.append(f"{tag} points at a commit whose pyproject.toml says version {version}")
    changelog = git(root, "show", f"{commit}:CHANGELOG.md").stdout
    if changelog_date(changelog, version) is None:
        problems.append(f"the CHANGELOG.md of {tag} has no dated section for {version}")
    if git(root, "merge-base", "--is-ancestor", commit, branch).returncode != 0:
        problems.append(f"{tag} points at a commit outside the history of {branch}")
    return problems


def readme_snippet() -> dict[str, object]:
    found = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README.read_text("utf-8"), re.S)
    assert found is not None
    loaded = yaml.safe_load(found.group(1))
    assert isinstance(loaded, dict)
    return loaded


def copied_by_users() -> dict[str, str]:
    """Every file a user copies a snippet from: the README, the examples, the workflows, the action."""
    files = [README, ROOT / "action.yml", *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    files += sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in {".md", ".yml", ".yaml"})
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files}


def test_the_package_reports_the_version_of_pyproject() -> None:
    # An editable install records the version when installed: reinstall after changing it.
    assert checker.__version__ == VERSION, 'the installed metadata is stale: pip install -e ".[test]"'
    shown = subprocess.run(["charter", "--version"], capture_output=True, text=True, timeout=60)
    assert (shown.returncode, shown.stdout) == (0, f"charter, version {VERSION}\n")


def _source_tree(root: Path, pyproject: str | None) -> Path:
    """A copy of the package's __init__ under root/src, with pyproject beside it when given."""
    (root / "src" / "checker").mkdir(parents=True)
    shutil.copy(ROOT / "checker" / "__init__.py", root / "src" / "checker" / "__init__.py")
    if pyproject is not None:
        (root / "src" / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return root / "src"


def _installed(site: Path, name: str, headers: str) -> Path:
    """site holding the metadata name (a .dist-info directory, or an .egg-info file) with headers."""
    site.mkdir(parents=True, exist_ok=True)
    if name.endswith(".dist-info"):
        (site / name).mkdir()
        (site / name / "METADATA").write_text(headers, encoding="utf-8")
    else:
        (site / name).write_text(headers, encoding="utf-8")
    return site


def _fresh_version(tmp_path: Path, *path: Path) -> tuple[str, bool]:
    """checker.__version__ imported by a Python whose sys.path is path and no site-packages, and
    whether that imported importlib.metadata."""
    entries = [str(p) for p in path]
    if sys.version_info < (3, 11):
        # -S leaves out site-packages, and with it tomli: bring the module alone.
        import tomli

        shutil.copytree(Path(tomli.__file__).parent, tmp_path / "deps" / "tomli")
        entries.append(str(tmp_path / "deps"))
    script = "import sys, checker; print(checker.__version__, 'importlib.metadata' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-S", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": os.pathsep.join(entries)},
    )
    assert done.returncode == 0, done.stderr
    version, imported = done.stdout.split()
    return version, imported == "True"


PROJECT = '[project]\nname = "charter-checker"\nversion = "9.8.7"\n'


def test_the_installed_metadata_is_read_as_python_reads_it() -> None:
    assert checker._metadata_version() == metadata.version(checker.DISTRIBUTION) == VERSION


def test_installed_metadata_is_read_first_along_the_path_without_importing_the_reader(
    tmp_path: Path,
) -> None:
    source = _source_tree(tmp_path, PROJECT)
    site = _installed(
        tmp_path / "site", "charter_checker-1.2.3.dist-info", "Name: charter-checker\nVersion: 1.2.3\n"
    )
    assert _fresh_version(tmp_path, site, source) == ("1.2.3", False)
    egg = _installed(
        tmp_path / "egg", "charter_checker-4.5.6-py3.11.egg-info", "Version: 4.5.6\n\nVersion: 0\n"
    )
    assert _fresh_version(tmp_path, egg, site, source) == ("4.5.6", False)
    # Names compare as normalised: the first of any spelling along the path is the one.
    odd = _installed(tmp_path / "odd", "Charter.Checker-2.0.0.dist-info", "Version: 2.0.0\n")
    assert _fresh_version(tmp_path, odd, site, source) == ("2.0.0", False)
    other = _installed(tmp_path / "other", "charter_checkers-3.0.0.dist-info", "Version: 3.0.0\n")
    assert _fresh_version(tmp_path, other, site, source) == ("1.2.3", False)
    # Metadata without a version: importlib.metadata has the last word, and it has none either.
    blank = _installed(tmp_path / "blank", "charter_checker-5.0.0.dist-info", "Name: charter-checker\n")
    assert _fresh_version(tmp_path, blank, site, source) == ("0+unknown", True)


def test_a_source_tree_without_metadata_reads_its_pyproject(tmp_path: Path) -> None:
    assert _fresh_version(tmp_path / "a", _source_tree(tmp_path / "a", PROJECT)) == ("9.8.7", True)
    other = '[project]\nname = "something-else"\nversion = "9.8.7"\n'
    assert _fresh_version(tmp_path / "b", _source_tree(tmp_path / "b", other)) == ("0+unknown", True)
    assert _fresh_version(tmp_path / "c", _source_tree(tmp_path / "c", None)) == ("0+unknown", True)
    broken = '[project\nversion = "9.8.7"\n'
    assert _fresh_version(tmp_path / "d", _source_tree(tmp_path / "d", broken)) == ("0+unknown", True)


def test_no_code_or_template_writes_the_version() -> None:
    for path in sorted((ROOT / "checker").rglob("*.py")):
        literals = {
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        assert VERSION not in literals, path
    for path in sorted((ROOT / "templates").iterdir()):
        assert VERSION not in path.read_text(encoding="utf-8"), path
    for name in ["action.yml", ".pre-commit-hooks.yaml"]:
        assert VERSION not in (ROOT / name).read_text(encoding="utf-8"), name


def test_every_snippet_pins_the_release_tag_of_pyproject() -> None:
    [hook_repo] = readme_snippet()["repos"]  # type: ignore[misc]
    assert hook_repo == {"repo": URL, "rev": TAG, "hooks": [{"id": "charter"}]}
    pins = {name: ACTION_REF.findall(text) for name, text in copied_by_users().items()}
    assert {name: refs for name, refs in pins.items() if refs} == {
        "README.md": [TAG],
        ".github/workflows/charter-example.yml": [TAG],
    }
    steps = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["jobs"]["charter"]["steps"]
    assert [s["uses"] for s in steps if "charter-checker/charter" in s.get("uses", "")] == [
        f"charter-checker/charter@{TAG}"
    ]
    # The README's JSON example shows the tool's version too.
    example = re.search(r'"tool": (\{[^}]*\})', README.read_text(encoding="utf-8"))
    assert example is not None
    assert json.loads(example.group(1)) == {"name": "charter", "version": VERSION}


def test_the_changelog_has_a_dated_section_for_the_version() -> None:
    changelog = CHANGELOG.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.*)$", changelog, re.M)
    assert headings[0] == "[Unreleased]"
    released = [re.fullmatch(r"\[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})", h) for h in headings[1:]]
    assert all(released), headings
    versions = [tuple(map(int, m.group(1).split("."))) for m in released if m]
    dates = [dt.date.fromisoformat(m.group(2)) for m in released if m]
    # Newest first, and the newest is pyproject's.
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert dates == sorted(dates, reverse=True)
    assert changelog_date(changelog, VERSION) == dates[0]
    assert f"\n[{VERSION}]: {URL}/releases/tag/{TAG}\n" in changelog
    assert f"\n[Unreleased]: {URL}/compare/{TAG}...HEAD\n" in changelog


def test_every_release_tag_of_this_repository_is_a_release() -> None:
    listed = git(ROOT, "tag", "--list", "v*")
    assert listed.returncode == 0, listed.stderr
    # In the history of what is checked out: main itself in CI, a branch from it elsewhere.
    for tag in listed.stdout.split():
        assert release_problems(ROOT, tag, "HEAD") == [], tag


def _release_repo(root: Path, version: str, changelog: str) -> Path:
    """A repository whose main holds a pyproject.toml of version and the given CHANGELOG.md."""
    root.mkdir()
    assert git(root, "init", "-q", "-b", "main").returncode == 0
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(pyproject.replace(f'"{VERSION}"', f'"{version}"', 1), "utf-8")
    (root / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    assert git(root, "add", ".").returncode == 0
    assert git(root, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "Release").returncode == 0
    return root


def test_release_problems_names_each_broken_rule(tmp_path: Path) -> None:
    changelog = CHANGELOG.read_text(encoding="utf-8")
    good = _release_repo(tmp_path / "good", VERSION, changelog)
    assert git(good, "tag", "-a", TAG, "-m", f"Charter {VERSION}").returncode == 0
    assert release_problems(good, TAG) == []

    assert git(good, "tag", "v0.0.9").returncode == 0  # lightweight, on a commit that says VERSION
    assert release_problems(good, "v0.0.9") == [
        "v0.0.9 is not an annotated tag (git cat-file -t says commit)",
        f"v0.0.9 points at a commit whose pyproject.toml says version {VERSION}",
    ]

    undated = changelog.replace(f"## [{VERSION}] - ", f"## [{VERSION}] - not ")
    side = _release_repo(tmp_path / "undated", VERSION, undated)
    assert git(side, "switch", "-q", "-c", "side").returncode == 0
    assert git(side, "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", "x").returncode == 0
    assert git(side, "tag", "-a", TAG, "-m", "on a side branch").returncode == 0
    assert release_problems(side, TAG) == [
        f"the CHANGELOG.md of {TAG} has no dated section for {VERSION}",
        f"{TAG} points at a commit outside the history of refs/heads/main",
    ]
    assert release_problems(side, "main") == [
        "main is not of the form vX.Y.Z",
        "main is not an annotated tag (git cat-file -t says nothing)",
        "main names no commit with a pyproject.toml",
    ]
