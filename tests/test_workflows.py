"""The workflows, the action and the snippets in the README: current actions, honest pins, real life."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLE = ROOT / ".github" / "workflows" / "charter-example.yml"
# The first major of each action that runs on Node 24; older ones run on Node 20, which runners
# no longer provide.
NODE24 = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/cache": 5,
    "github/codeql-action/upload-sarif": 4,
}
USES = re.compile(r"^\s*-?\s*uses:\s*([^\s#]+)", re.M)


def sources() -> dict[str, str]:
    """Every file that names an action to run: the workflows, action.yml and the README."""
    files = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / "action.yml", README]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files}


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return loaded


def test_every_action_used_runs_on_node_24() -> None:
    seen = set()
    for name, text in sources().items():
        for reference in USES.findall(text):
            action, _, ref = reference.partition("@")
            # actions/cache/restore and actions/cache/save are parts of actions/cache.
            action = action.removesuffix("/restore").removesuffix("/save")
            if action in NODE24:
                seen.add(action)
                major = re.fullmatch(r"v(\d+)", ref)
                assert major is not None, f"{name}: {reference} is not pinned to a major version"
                assert int(major.group(1)) >= NODE24[action], f"{name}: {reference} runs on Node 20"
    assert seen == set(NODE24)


def test_no_snippet_pins_a_release_that_does_not_exist() -> None:
    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert tags.stdout == "", "a release is tagged now: pin its tag in the README and the example"
    for name, text in sources().items():
        assert re.search(r"charter-checker/charter@(?!main\b)", text) is None, name
        assert "v0.1.0" not in text, name
    readme = README.read_text(encoding="utf-8")
    snippet = re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", readme, re.S)
    assert snippet is not None
    assert yaml.safe_load(snippet.group(1))["repos"][0]["rev"] == "main"
    assert "pre-commit autoupdate --freeze" in readme
    assert "uses: charter-checker/charter@main" in EXAMPLE.read_text(encoding="utf-8")


def test_the_example_runs_on_every_pull_request_on_pushes_and_daily() -> None:
    on = workflow()[True]  # YAML 1.1 reads the key "on" as true
    assert set(on) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    # No paths filter: a manifest's refs and pyproject.toml can be anywhere.
    assert on["pull_request"] is None
    assert on["push"] == {"branches": ["main"]}
    [schedule] = on["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert rest == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()


def test_the_sarif_upload_never_fails_the_job() -> None:
    steps = workflow()["jobs"]["charter"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["continue-on-error"] is True
    assert upload["if"] == "always() && hashFiles('charter.sarif') != ''"
    assert upload["with"]["category"] == "charter"


def test_the_action_installs_into_its_own_virtual_environment() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    install = next(step for step in action["runs"]["steps"] if step["name"] == "Install Charter")
    assert '-m venv "$venv"' in install["run"]
    assert '"$venv/bin/pip" install' in install["run"]
    scripts = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    # Nothing else calls the pip or the charter on PATH.
    assert re.search(r"(?m)^\s*(pip|charter)\s", scripts) is None


def test_a_pull_request_never_saves_a_cache() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = {step["name"]: step for step in action["runs"]["steps"]}
    restore, save = steps["Restore Charter's caches"], steps["Save Charter's caches"]
    assert restore["uses"] == "actions/cache/restore@v5" and save["uses"] == "actions/cache/save@v5"
    assert restore["with"]["path"] == save["with"]["path"] == "${{ runner.temp }}/charter-cache"
    # The key names the ref, so a pull request's ref could never be restored as the base branch's.
    assert "${{ github.ref }}" in save["with"]["key"]
    condition = " ".join(save["if"].split())
    assert "github.event_name != 'pull_request' && github.event_name != 'pull_request_target'" in condition
    install = steps["Install Charter"]["run"]
    assert 'PIP_CACHE_DIR="${RUNNER_TEMP:-/tmp}/charter-cache/pip"' in install
    assert (
        'CHARTER_CACHE_DIR="${RUNNER_TEMP:-/tmp}/charter-cache/parse"'
        in steps["Check manifests and evidence"]["run"]
    )
