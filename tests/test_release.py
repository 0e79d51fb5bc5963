"""One version, written in pyproject.toml and read from the installed metadata."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import checker

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def version_in(pyproject: str) -> str:
    """The [project] version of a pyproject.toml's text."""
    version = tomllib.loads(pyproject)["project"]["version"]
    assert isinstance(version, str)
    return version


VERSION = version_in((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


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
