"""The cache of parsed files: the same results with it and without it, whatever changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import main
from tests.conftest import RULES_DIR
from tests.helpers import charter

AS_OF = ["--as-of", "2026-11-23"]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository as a git repository of its own, with a cache of its own."""
    root = tmp_path / "repo"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", root)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": "2026-11-23T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-11-23T12:00:00Z",
    }
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "examples"], cwd=root, check=True, env=env)
    monkeypatch.setenv("CHARTER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(root)
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, _ = charter(capsys, "check", *AS_OF, "--format", "json", *args)
    return code, out


def uncached(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    return run(capsys, "--no-cache", *args)


def test_results_are_identical_with_and_without_the_cache(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cold = run(capsys, ".")
    warm = run(capsys, ".")
    assert cold == warm == uncached(capsys, ".")
    assert cold[0] == 1
    assert list((repo.parent / "cache").rglob("index.json"))


def test_named_files_read_the_rest_from_the_cache_alike(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, ".")
    named = ("ai-systems/churn-predictor.yaml", "evidence/ticket-router/2026-11-12-audit.yaml")
    assert run(capsys, *named) == uncached(capsys, *named)
    assert '"rule": "MNT001"' in run(capsys, *named)[1]


@pytest.mark.parametrize(
    ("path", "old", "new", "rule"),
    [
        ("ai-systems/credit-limit.yaml", "lastDrill: 2026-11-09", "lastDrill: 2026-01-09", "RBK002"),
        (
            "evidence/churn-predictor/2026-09-30-dependency-review.yaml",
            "performedAt: 2026-09-30",
            "performedAt: 2026-11-20",
            None,
        ),
    ],
    ids=["manifest", "evidence"],
)
def test_a_changed_file_is_read_again(
    repo: Path, capsys: pytest.CaptureFixture[str], path: str, old: str, new: str, rule: str | None
) -> None:
    before = run(capsys, ".")
    target = repo / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")

    after = run(capsys, ".")

    assert after == uncached(capsys, ".")
    assert after != before
    if rule:
        assert f'"rule": "{rule}"' in after[1] and f'"rule": "{rule}"' not in before[1]
    else:
        assert '"rule": "MNT001"' in before[1] and '"rule": "MNT001"' not in after[1]


def test_a_new_evidence_file_counts_at_once(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, ".")
    source = repo / "evidence/churn-predictor/2026-09-30-dependency-review.yaml"
    fresh = source.with_name("2026-11-21-dependency-review.yaml")
    fresh.write_text(source.read_text(encoding="utf-8").replace("2026-09-30", "2026-11-21"), encoding="utf-8")
    after = run(capsys, ".")
    assert after == uncached(capsys, ".")
    assert '"rule": "MNT001"' not in after[1]


def test_policy_and_configuration_changes_apply_to_cached_files(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, ".")
    config = repo / ".charter.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "rules:\n  WVR001: {severity: warning}\n", encoding="utf-8"
    )
    softened = run(capsys, ".")
    assert softened == uncached(capsys, ".")
    assert '"severity": "warning"' in softened[1] and softened[0] == 0

    local = repo / "policies-local"
    local.mkdir()
    readme = (RULES_DIR.parents[1] / "README.md").read_text(encoding="utf-8")
    policy = readme.split("## Writing policies", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (local / "local.yaml").write_text(
        policy.replace("maxRetention: 730", "maxRetention: 30"), encoding="utf-8"
    )
    config.write_text(
        'manifests: ["ai-systems/**/*.yaml"]\nevidence: ["evidence/**/*.yaml"]\n'
        "policies: [default, policies-local]\n",
        encoding="utf-8",
    )
    with_local = run(capsys, ".")
    assert with_local == uncached(capsys, ".")
    assert '"rule": "ACM001"' in with_local[1]


def test_the_cache_is_shared_between_processes(repo: Path) -> None:
    command = [sys.executable, "-m", "checker", "check", *AS_OF, "--format", "json", "."]
    env = {**os.environ, "CHARTER_CACHE_DIR": str(repo.parent / "cache")}
    first = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    second = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    off = subprocess.run(
        command, cwd=repo, env={**env, "CHARTER_NO_CACHE": "1"}, capture_output=True, text=True, check=False
    )
    assert (
        (first.returncode, first.stdout) == (second.returncode, second.stdout) == (off.returncode, off.stdout)
    )


def test_a_damaged_cache_is_ignored(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = run(capsys, ".")
    for stored in (repo.parent / "cache").rglob("*"):
        if stored.is_file():
            stored.write_bytes(b"\x00not a cache")
    assert run(capsys, ".") == expected
    assert run(capsys, ".") == expected


def test_without_git_the_cache_goes_where_it_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "plain"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", root)
    monkeypatch.setenv("CHARTER_CACHE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(root)
    assert run(capsys, ".") == uncached(capsys, ".")
    assert list((tmp_path / "elsewhere").rglob("index.json"))
    assert not (root / ".git").exists()


def _settle(root: Path) -> None:
    """Date every directory a minute back, so that its listing may be kept."""
    past = os.stat(root).st_mtime - 60
    for directory in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        os.utime(directory, (past, past))


def test_kept_directory_listings_follow_added_removed_and_renamed_files(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".charter.yaml").unlink()  # walk the tree instead of globbing it
    _settle(repo)
    first = run(capsys, ".")
    assert first == uncached(capsys, ".")

    copy = repo / "ai-systems" / "copy.yaml"
    copy.write_text((repo / "ai-systems/fraud-rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    added = run(capsys, ".")
    assert added == uncached(capsys, ".")
    assert '"file": "ai-systems/copy.yaml"' in added[1] and '"rule": "SCH002"' in added[1]

    (repo / "ai-systems" / "nested").mkdir()
    copy.rename(repo / "ai-systems" / "nested" / "copy.yaml")
    _settle(repo)
    moved = run(capsys, ".")
    assert moved == uncached(capsys, ".")
    assert '"file": "ai-systems/nested/copy.yaml"' in moved[1]
    assert '"file": "ai-systems/copy.yaml"' not in moved[1]

    (repo / "ai-systems" / "nested" / "copy.yaml").unlink()
    assert run(capsys, ".") == uncached(capsys, ".") == first


def test_context_of_a_named_file_is_decoded_only_where_rules_look(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = repo / "ai-systems" / "copy.yaml"
    copy.write_text((repo / "ai-systems/fraud-rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    run(capsys, ".")
    named = run(capsys, "ai-systems/fraud-rules.yaml")
    assert named == uncached(capsys, "ai-systems/fraud-rules.yaml")
    # The other manifest of the same name is found, with its line, although only its summary was read.
    assert "the name 'fraud-rules' is also used by ai-systems/copy.yaml:4" in named[1]
    assert '"file": "ai-systems/copy.yaml"' not in named[1]


def test_unchanged_policies_and_configuration_are_not_validated_again(repo: Path) -> None:
    probe = (
        "import sys\n"
        "from checker.cli import main\n"
        "code = main(['check', '--as-of', '2026-11-23', 'ai-systems/credit-limit.yaml'])\n"
        "print('loaded:', sorted(m for m in ('pydantic', 'git') if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "CHARTER_CACHE_DIR": str(repo.parent / "cache")}
    command = [sys.executable, "-c", probe]
    cold = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    warm = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert "loaded: ['pydantic']" in cold.stdout
    assert "loaded: []" in warm.stdout
    assert cold.stdout.replace("['pydantic']", "[]") == warm.stdout
    assert cold.returncode == warm.returncode

    config = repo / ".charter.yaml"
    config.write_text(config.read_text(encoding="utf-8") + 'exclude: ["docs/**"]\n', encoding="utf-8")
    changed = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert "loaded: ['pydantic']" in changed.stdout


def test_a_file_a_whole_run_read_cleanly_is_not_read_again_when_named(repo: Path) -> None:
    # Without globs a whole run only finds the file, the hook names it; a clean reading holds for both.
    (repo / ".charter.yaml").write_text("failOn: error\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from checker.cli import main\n"
        "code = main(['check', '--as-of', '2026-11-23', *sys.argv[1:]])\n"
        "print('loaded:', sorted(m for m in ('pydantic',) if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "CHARTER_CACHE_DIR": str(repo.parent / "cache")}

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", probe, *args]
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)

    whole = check(".")
    named = check("ai-systems/credit-limit.yaml")
    fresh = check("--no-cache", "ai-systems/credit-limit.yaml")

    assert "loaded: ['pydantic']" in whole.stdout
    assert "loaded: []" in named.stdout
    assert named.stdout.replace("[]", "['pydantic']") == fresh.stdout
    assert named.returncode == fresh.returncode


def test_a_duplicate_key_in_the_configuration_stops_the_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo / ".charter.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "failOn: warning\n", encoding="utf-8")
    code = main(["check", *AS_OF, "."])
    assert code == 2
    assert capsys.readouterr().err == (
        f"charter: error: {config}:13: duplicate key 'failOn' (first at line 6, again at line 13)\n"
    )


def test_a_duplicate_key_in_a_policy_stops_the_run(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    local = repo / "policies-local"
    local.mkdir()
    readme = (RULES_DIR.parents[1] / "README.md").read_text(encoding="utf-8")
    policy = readme.split("## Writing policies", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    lines = policy.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("severity:"))
    lines.insert(at + 1, lines[at].replace(lines[at].strip(), "severity: info"))
    (local / "local.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = repo / ".charter.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "policies: [default]", "policies: [default, policies-local]"
        ),
        encoding="utf-8",
    )
    code = main(["check", *AS_OF, "."])
    first, again = at + 1, at + 2
    assert code == 2
    assert capsys.readouterr().err == (
        f"charter: error: {local / 'local.yaml'}:{again}: duplicate key 'severity' "
        f"(first at line {first}, again at line {again})\n"
    )
