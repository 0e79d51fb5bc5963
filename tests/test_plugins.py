"""Custom checks from installed plugins (the entry-point group charter.checks), and nothing else.

Each plugin is a real distribution: a wheel written here, installed with pip into a directory of
its own, which the charter process finds through PYTHONPATH and importlib.metadata.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checker.checks import BUILTINS
from tests.conftest import AS_OF, RULES_DIR
from tests.git_helpers import installed_charter

CHARTER = installed_charter()
MANIFEST = "ai-systems/router.yaml"
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
INTENDED_USE = "Route English and German tickets to one of 14 queues."

NO_TODO = """\
from checker.conditions import Builtin, Failure


def _no_word(env, value, base, params):
    use = ((value.get("spec") or {}).get("purpose") or {}).get("intendedUse") or ""
    if params["word"] in use:
        yield Failure(("spec", "purpose", "intendedUse"), f"it says {params['word']}")


CHECK = Builtin(_no_word, {"word": "TODO"}, "the intended use is written out")
"""
BROKEN = "import acme_missing_dependency\n\nCHECK = None\n"
BARE = '''\
def check(env, value, base, params):
    """Never fails."""
    return iter(())
'''
CANARY = "import pathlib\n\npathlib.Path('imported').write_text('yes')\n\nCHECK = None\n"

POLICY = """\
apiVersion: charter/v1
kind: Policy
metadata: {name: local}
rules:
  - id: LOC001
    name: intended-use-written
    title: The intended use is written out
    severity: error
    message: "{system} has an unfinished intended use"
    why: A placeholder is not a purpose.
    remediation: Write the intended use out.
    controls: ["LOCAL 1"]
    assert:
      - {check: CHECK_NAME, params: {word: TBD}}
"""


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _wheel(folder: Path, dist: str, module: str, source: str, points: dict[str, str]) -> Path:
    """A wheel of the distribution dist: one module and its charter.checks entry points."""
    info = f"{dist.replace('-', '_')}-1.0.dist-info"
    files = {
        f"{module}.py": source,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": "[charter.checks]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()),
    }
    record = [_record_line(name, text.encode()) for name, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = folder / f"{dist.replace('-', '_')}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


PLUGINS = {
    "good": ("acme-checks", "acme_checks", NO_TODO, {"no-word": "acme_checks:CHECK"}),
    "bare": ("acme-bare", "acme_bare", BARE, {"never-fails": "acme_bare:check"}),
    "broken": ("acme-broken", "acme_broken", BROKEN, {"broken": "acme_broken:CHECK"}),
    "clash": ("acme-clash", "acme_clash", NO_TODO, {"unique-name": "acme_clash:CHECK"}),
    "rival": ("acme-rival", "acme_rival", NO_TODO, {"no-word": "acme_rival:CHECK"}),
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each plugin installed by pip into a directory of its own."""
    root = tmp_path_factory.mktemp("plugins")
    targets = {}
    for key, (dist, module, source, points) in PLUGINS.items():
        wheel = _wheel(root, dist, module, source, points)
        target = root / key
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
             "--disable-pip-version-check", "--target", str(target), str(wheel)],
            check=True,
            capture_output=True,
            timeout=300,
        )  # fmt: skip
        targets[key] = target
    return targets


@pytest.fixture
def tree(fixture_repo: Path) -> Path:
    """A directory outside git with one manifest whose intended use still says TBD."""
    unfinished = CLEAN.replace(INTENDED_USE, "TBD, route the tickets.")
    (fixture_repo / MANIFEST).write_text(unfinished, encoding="utf-8")
    return fixture_repo


def charter(tree: Path, paths: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    assert CHARTER, "the charter executable is not installed beside the interpreter"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    return subprocess.run([CHARTER, *args], cwd=tree, capture_output=True, text=True, env=env, timeout=120)


def check_with(tree: Path, paths: list[Path], check_name: str) -> subprocess.CompletedProcess[str]:
    (tree / "local.yaml").write_text(POLICY.replace("CHECK_NAME", check_name), encoding="utf-8")
    return charter(tree, paths, "check", "--as-of", AS_OF.isoformat(), "--policy", "local.yaml", MANIFEST)


def test_a_plugin_check_is_named_in_a_policy_like_a_built_in_one(
    tree: Path, installed: dict[str, Path]
) -> None:
    result = check_with(tree, [installed["good"]], "no-word")

    line = CLEAN.splitlines().index(f"    intendedUse: {INTENDED_USE}") + 1
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"{MANIFEST}:{line}:18: LOC001 error ticket-router has an unfinished intended use: it says TBD"
    )


def test_a_bare_function_is_a_check_without_parameters(tree: Path, installed: dict[str, Path]) -> None:
    (tree / "local.yaml").write_text(
        POLICY.replace("{check: CHECK_NAME, params: {word: TBD}}", "{check: never-fails}"), encoding="utf-8"
    )

    result = charter(
        tree, [installed["bare"]], "check", "--as-of", AS_OF.isoformat(), "--policy", "local.yaml", MANIFEST
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_without_the_plugin_its_check_is_unknown(tree: Path, installed: dict[str, Path]) -> None:
    result = check_with(tree, [], "no-word")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        "charter: error: local.yaml:14: unknown check 'no-word', neither built in nor from an installed "
        "plugin; known: evaluation-before-release, "
    )


def test_a_plugin_that_cannot_be_imported_stops_the_run_and_is_named(
    tree: Path, installed: dict[str, Path]
) -> None:
    # The policy does not even use it: a broken plugin is never passed over.
    result = check_with(tree, [installed["good"], installed["broken"]], "no-word")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "charter: error: the plugin check 'broken' (acme_broken:CHECK, from acme-broken 1.0) cannot be "
        "loaded: ModuleNotFoundError: No module named 'acme_missing_dependency'\n"
    )


def test_a_plugin_named_like_a_built_in_check_stops_the_run(tree: Path, installed: dict[str, Path]) -> None:
    result = charter(tree, [installed["clash"]], "rules")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "charter: error: the plugin check 'unique-name' (acme_clash:CHECK, from acme-clash 1.0) has the "
        "name of a built-in check: rename its charter.checks entry point\n"
    )


def test_two_plugins_with_one_check_name_stop_the_run(tree: Path, installed: dict[str, Path]) -> None:
    result = check_with(tree, [installed["good"], installed["rival"]], "no-word")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "charter: error: the plugin check 'no-word' (acme_rival:CHECK, from acme-rival 1.0) has the name "
        "of a check of the plugin acme-checks 1.0: uninstall one of them or rename an entry point\n"
    )


@pytest.mark.parametrize("named", ["acme_canary", "acme_canary:CHECK", "acme_canary.CHECK"])
def test_a_policy_naming_a_module_never_imports_it(
    tree: Path, named: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    modules = tmp_path_factory.mktemp("modules")
    (modules / "acme_canary.py").write_text(CANARY, encoding="utf-8")

    result = check_with(tree, [modules], f"'{named}'")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"charter: error: local.yaml:14: unknown check '{named}', ")
    assert not (tree / "imported").exists()


def test_with_no_plugin_installed_python_metadata_reader_is_not_even_imported(tree: Path) -> None:
    # A short run (pre-commit on one file) should not pay for reading every distribution's metadata.
    script = (
        "import sys\n"
        "from checker.plugins import registry\n"
        "checks = registry()\n"
        "print(len(checks), 'importlib.metadata' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tree, capture_output=True, text=True, env=env, timeout=120
    )

    assert result.stdout == f"{len(BUILTINS)} False\n", result.stderr
