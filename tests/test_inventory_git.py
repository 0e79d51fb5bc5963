"""The inventory in real git repositories: coverage, --base, moved files, pre-commit and exclusions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from tests.git_helpers import CLEAN, MANIFEST, Repo, router_repo, variant

CODE = variant("\nspec:\n", '\nspec:\n  code: ["services/router/**"]\n')
CODE_AT = (11, 10)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    main(list(args))
    return json.loads(capsys.readouterr().out)


def _inv(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[Any, ...]]:
    """The INV findings of charter check: rule, severity, file, line, column, status."""
    report = _run(capsys, "check", str(repo.root), "--format", "json", "--as-of", "2026-11-23", *args)
    return [
        (f["rule"], f["severity"], f["file"], f["line"], f["column"], f.get("status"))
        for f in report["findings"]
        if f["rule"].startswith("INV")
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = router_repo(tmp_path / "repo", CODE)
    repo.write("services/router/app.py", '"""Routes tickets with openai."""\nimport openai\n')
    repo.write("services/other/bot.py", "from anthropic import Anthropic\n")
    repo.write("vendor/lib/client.py", "import openai\n")
    repo.write("node_modules/openai/index.js", 'module.exports = require("openai");\n')
    repo.write(".venv/lib/site.py", "import torch\n")
    repo.write("ignored/notes.py", "import openai\n")
    repo.write(".gitignore", "ignored/\n")
    repo.commit("Services")
    return repo


def test_covered_and_undeclared_files(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("services/other/new.py", "x = 1\nimport torch\n")  # untracked, not ignored
    repo.write("tools/.mcp.json", '{"mcpServers": {}}\n')
    assert _inv(repo, capsys) == [
        ("INV001", "warning", "services/other/bot.py", 1, 6, None),
        ("INV001", "warning", "services/other/new.py", 2, 8, None),
        ("INV001", "warning", "tools/.mcp.json", 1, 1, None),
    ]
    data = _run(capsys, "inventory", str(repo.root), "--format", "json")
    assert data["systems"] == [
        {
            "name": "ticket-router",
            "manifest": MANIFEST,
            "usages": [
                {
                    "file": "services/router/app.py",
                    "line": 2,
                    "column": 8,
                    "detector": "openai",
                    "what": "import openai",
                }
            ],
        }
    ]
    assert [(u["file"], u["line"], u["column"], u["detector"]) for u in data["undeclared"]] == [
        ("services/other/bot.py", 1, 6, "anthropic"),
        ("services/other/new.py", 2, 8, "deep-learning"),
        ("tools/.mcp.json", 1, 1, "mcp-config"),
    ]
    assert data["detectors"]["openai"] == 1 and data["detectors"]["anthropic"] == 1


def test_message_names_the_detector(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    report = _run(capsys, "check", str(repo.root), "--format", "json", "--as-of", "2026-11-23")
    (finding,) = [f for f in report["findings"] if f["rule"] == "INV001"]
    assert finding["message"] == (
        "from anthropic import is AI usage that no system's code covers "
        "(Anthropic API client, detector anthropic)"
    )


def test_base_marks_only_added_usage_new_and_an_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("services/legacy/old.py", "import torch\n")
    repo.commit("Legacy code")
    repo.git("checkout", "-q", "-b", "change")
    repo.write("services/other/bot.py", "from anthropic import Anthropic\nimport openai\n")
    (repo.root / "services/moved").mkdir()
    repo.git("mv", "services/legacy/old.py", "services/moved/old.py")
    repo.write("services/added.py", "import litellm\n")
    repo.commit("The change")
    assert _inv(repo, capsys, "--base", "main") == [
        ("INV001", "error", "services/added.py", 1, 8, "new"),
        ("INV001", "warning", "services/moved/old.py", 1, 8, "existing"),
        ("INV001", "warning", "services/other/bot.py", 1, 6, "existing"),
        ("INV001", "error", "services/other/bot.py", 2, 8, "new"),
    ]


def test_a_moved_file_keeps_its_coverage(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.git("checkout", "-q", "-b", "move")
    (repo.root / "services/router/v2").mkdir()
    repo.git("mv", "services/router/app.py", "services/router/v2/app.py")
    repo.commit("Move the router service")
    assert _inv(repo, capsys, "--base", "main") == [
        ("INV001", "warning", "services/other/bot.py", 1, 6, "existing"),
    ]
    data = _run(capsys, "inventory", str(repo.root), "--format", "json")
    assert [u["file"] for u in data["systems"][0]["usages"]] == ["services/router/v2/app.py"]


def test_precommit_scans_only_the_named_files(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    assert _run(capsys, "check", MANIFEST, "--format", "json", "--as-of", "2026-11-23")["findings"] == []
    # Code named as pre-commit names changed files is read by the inventory, not as a document.
    named = ["services/other/bot.py", "services/router/app.py"]
    report = _run(capsys, "check", *named, "--format", "json", "--as-of", "2026-11-23")
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"]] == [
        ("INV001", "services/other/bot.py", 1, 6)
    ]
    assert report["summary"]["systems"] == 0
    data = _run(capsys, "inventory", "services/other/bot.py", "--format", "json")
    assert [(u["file"], u["line"], u["column"]) for u in data["undeclared"]] == [
        ("services/other/bot.py", 1, 6)
    ]
    assert data["systems"][0]["usages"] == []


def test_unmatched_code_glob(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(MANIFEST, variant('code: ["services/router/**"]', 'code: ["services/route/**"]', CODE))
    found = _inv(repo, capsys)
    assert ("INV002", "warning", MANIFEST, CODE_AT[0], CODE_AT[1], None) in found
    report = _run(capsys, "check", str(repo.root), "--format", "json", "--as-of", "2026-11-23")
    (inv002,) = [f for f in report["findings"] if f["rule"] == "INV002"]
    assert (
        inv002["message"]
        == "ticket-router claims code that is not there: spec.code[0] 'services/route/**' matches no file"
    )


def test_training_pipeline_covers_its_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = router_repo(tmp_path / "repo", CLEAN)
    repo.write("pipelines/router/train.py", "import torch\n")
    repo.write("pipelines/router/serve.py", "import torch\n")
    repo.commit("Training")
    assert _inv(repo, capsys) == [("INV001", "warning", "pipelines/router/serve.py", 1, 8, None)]


def test_exclusion_is_configuration_judged_by_pol001(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.git("checkout", "-q", "-b", "exclude")
    repo.write(
        ".charter.yaml",
        "inventory:\n  exclude:\n    - {path: services/other, reason: A throwaway prototype}\n",
    )
    repo.commit("Exclude the prototype")
    report = _run(
        capsys, "check", str(repo.root), "--format", "json", "--as-of", "2026-11-23", "--base", "main"
    )
    rules = [(f["rule"], f["file"]) for f in report["findings"]]
    # The base's configuration judges the change, so the prototype is still reported.
    assert ("INV001", "services/other/bot.py") in rules
    (pol,) = [f for f in report["findings"] if f["rule"] == "POL001"]
    assert "inventory configuration (detectors or exclusions) changed" in pol["message"]
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "exclude")
    assert _inv(repo, capsys) == []


def test_exclusion_needs_a_reason(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".charter.yaml", "inventory:\n  exclude:\n    - {path: services/other}\n")
    assert main(["check", str(repo.root), "--as-of", "2026-11-23"]) == 2
    assert "inventory.exclude[0].reason: Field required" in capsys.readouterr().err


def test_results_are_kept_by_blob_id(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "inventory", str(repo.root), "--format", "json")
    blob = subprocess.run(
        ["git", "rev-parse", "HEAD:services/router/app.py"], cwd=repo.root, capture_output=True, text=True
    ).stdout.strip()
    caches = list(Path(__import__("os").environ["CHARTER_CACHE_DIR"]).glob("*/inventory.json"))
    kept = [json.loads(p.read_text())["blobs"] for p in caches]
    assert any(store.get(f"python:{blob}") == [[2, 8, "openai", "import openai"]] for store in kept)


def test_reports_have_an_undeclared_ai_section(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    html, markdown = tmp_path / "report.html", tmp_path / "report.md"
    main(
        [
            "check",
            str(repo.root),
            "--as-of",
            "2026-11-23",
            "--output-html",
            str(html),
            "--output-markdown",
            str(markdown),
        ]
    )
    capsys.readouterr()
    text = markdown.read_text()
    section = text[text.index("### Undeclared AI (1)") :].split("\n\n###")[0]
    assert "| warning | services/other/bot.py:1:6 | anthropic | from anthropic import |" in section
    page = html.read_text()
    assert '<section class="card" id="undeclared">' in page
    assert "services/<wbr>other/<wbr>bot.py" in page[page.index('id="undeclared"') :]


def test_examples_are_clean_and_only_examples_are_scanned(capsys: pytest.CaptureFixture[str]) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    report = _run(capsys, "check", str(examples), "--format", "json", "--as-of", "2026-11-23")
    assert [f for f in report["findings"] if f["rule"].startswith("INV")] == []
    data = _run(capsys, "inventory", str(examples), "--format", "json")
    usages = [u for s in data["systems"] for u in s["usages"]]
    assert data["undeclared"] == [] and data["unreadable"] == []
    assert usages and all(u["file"].startswith("examples/pipelines/") for u in usages)


def test_text_format(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(repo.root)]) == 0
    assert capsys.readouterr().out == (
        "ticket-router (ai-systems/router.yaml): 1 usage\n"
        "  services/router/app.py:2:8 openai import openai\n"
        "undeclared: 1 usage\n"
        "  services/other/bot.py:1:6 anthropic from anthropic import\n"
        "by detector: openai 1, anthropic 1\n"
    )


def test_base_marks_unmatched_globs_new_or_existing(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        MANIFEST, variant('code: ["services/router/**"]', 'code: ["services/router/**", "gone/**"]', CODE)
    )
    repo.commit("A glob of code that is not there")
    repo.git("checkout", "-q", "-b", "more")
    more = 'code: ["services/router/**", "gone/**", "later/**"]'
    repo.write(MANIFEST, variant('code: ["services/router/**"]', more, CODE))
    repo.commit("Another")
    found = [f for f in _inv(repo, capsys, "--base", "main") if f[0] == "INV002"]
    assert found == [
        ("INV002", "warning", MANIFEST, 11, 32, "existing"),
        ("INV002", "warning", MANIFEST, 11, 43, "new"),
    ]


SOURCES = variant(
    "  logging: {",
    "    - name: order-lookup\n      kind: tool\n      version: 1.0.0\n      source: [tools/lookup/*.py]\n"
    "      tool: {type: function, permissions: [read], approval: none}\n"
    "    - name: support-agent\n      kind: agent\n      version: 1.0.0\n      source: [agents/support]\n"
    "  logging: {",
    CODE,
)


def test_component_sources_cover_exactly_the_files_they_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = router_repo(tmp_path / "repo", SOURCES)
    repo.write("services/router/app.py", "import openai\n")
    repo.write("tools/lookup/client.py", "import openai\n")
    repo.write("tools/lookup/helpers/retry.py", "import openai\n")
    repo.write("agents/support/run.py", "from langchain.agents import AgentExecutor\n")
    repo.write("agents/support/steps/plan.py", "import anthropic\n")
    repo.commit("Tools and agents")
    # A glob names the files it matches, as the source's digest reads it, and nothing below them;
    # a path without wildcards names every file below the directory.
    assert _inv(repo, capsys) == [("INV001", "warning", "tools/lookup/helpers/retry.py", 1, 8, None)]
    data = _run(capsys, "inventory", str(repo.root), "--format", "json")
    assert [(u["file"], u["detector"]) for u in data["systems"][0]["usages"]] == [
        ("agents/support/run.py", "llm-framework"),
        ("agents/support/steps/plan.py", "anthropic"),
        ("services/router/app.py", "openai"),
        ("tools/lookup/client.py", "openai"),
    ]


def test_a_change_that_moves_usage_out_of_a_covered_glob_adds_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "-b", "escape")
    (repo.root / "services/shadow").mkdir()
    repo.git("mv", "services/router/app.py", "services/shadow/app.py")
    repo.commit("Move the router service where no system looks")
    # The usage was declared in the base; the change made it undeclared, and the glob empty.
    assert _inv(repo, capsys, "--base", "main") == [
        ("INV002", "warning", MANIFEST, *CODE_AT, "new"),
        ("INV001", "warning", "services/other/bot.py", 1, 6, "existing"),
        ("INV001", "error", "services/shadow/app.py", 2, 8, "new"),
    ]


def test_a_change_that_narrows_a_glob_adds_the_usage_it_leaves(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("services/router/ml/model.py", "import torch\n")
    repo.commit("The router's model code")
    repo.git("checkout", "-q", "-b", "narrow")
    narrow = 'code: ["services/router/*.py"]'
    repo.write(MANIFEST, variant('code: ["services/router/**"]', narrow, CODE))
    repo.commit("Claim less code")
    assert _inv(repo, capsys, "--base", "main") == [
        ("INV001", "warning", "services/other/bot.py", 1, 6, "existing"),
        ("INV001", "error", "services/router/ml/model.py", 1, 8, "new"),
    ]


def test_markdown_format(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(repo.root), "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "# AI inventory\n\n"
        "## ticket-router\n\n"
        "Declared in ai-systems/router.yaml.\n\n"
        "| File | Line | Column | Detector | Usage |\n|---|---|---|---|---|\n"
        "| services/router/app.py | 2 | 8 | openai | import openai |\n\n"
        "## Undeclared AI\n\n"
        "| File | Line | Column | Detector | Usage |\n|---|---|---|---|---|\n"
        "| services/other/bot.py | 1 | 6 | anthropic | from anthropic import |\n\n"
        "## By detector\n\n| Detector | Usages |\n|---|---|\n"
    )
    assert "| openai | 1 |\n| anthropic | 1 |\n" in text and "| mlflow | 0 |\n" in text


def test_outside_git_every_file_under_the_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = router_repo(tmp_path / "repo", CODE)
    (repo.root / ".git").rename(tmp_path / "git-elsewhere")
    (repo.root / "services/other").mkdir(parents=True)
    (repo.root / "services/other/bot.py").write_text("import anthropic\n")
    (repo.root / "node_modules/openai").mkdir(parents=True)
    (repo.root / "node_modules/openai/index.js").write_text('require("openai");\n')
    monkeypatch.chdir(repo.root)
    data = _run(capsys, "inventory", ".", "--format", "json")
    assert [(u["file"], u["line"], u["column"]) for u in data["undeclared"]] == [
        ("services/other/bot.py", 1, 8)
    ]
