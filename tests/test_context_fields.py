"""What the checks read of documents that are only context: declared by each check, and nothing more kept.

In a run that names some files, every other file is context, pruned to the union of what the
enabled checks declare they read of it (checker.context_fields). A one-file run must then give the
named file exactly the findings a run over the whole tree gives it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from checker.config import Config, load_config
from checker.context_fields import cached_fields, covers, enabled_fields, fields, prune
from checker.policy import load_policies
from checker.project import build_project
from tests.conftest import AS_OF, RULES_DIR
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
MANIFEST = "ai-systems/router.yaml"

# What was kept of a context document before the checks declared what they read: one table, in the
# module that read the files, which no check could see.
OLD_TABLE: dict[str, Any] = {
    "AISystem": {
        "metadata": {"name": None},
        "spec": {
            "risk": {"tier": None},
            "ownership": {"accountable": None, "technicalOwner": None},
            "maintenance": {"activity": None, "cadence": None},
            "components": {"name": None, "refresh": None, "training": {"pipeline": None}, "source": None},
            "waivers": None,
            "code": None,
        },
    },
    "Evidence": {
        "spec": {
            "system": None,
            "activity": None,
            "performedAt": None,
            "performedBy": None,
            "outcome": None,
            "findings": {"id": None, "owner": None, "due": None},
        }
    },
}
# Kept by the table but read by no check of another document: a system's cadences are judged only
# where its own manifest is (evidence-fresh, and the freshness rows of reported systems).
NEVER_READ = {"AISystem": {"spec": {"maintenance": {"cadence": None}}}}


def _without(keep: dict[str, Any], drop: dict[str, Any]) -> dict[str, Any]:
    """keep less the paths of drop."""
    out: dict[str, Any] = {}
    for key, kept in keep.items():
        if key not in drop:
            out[key] = kept
        elif drop[key] is not None:
            out[key] = _without(kept, drop[key])
    return out


def test_the_default_pack_reads_all_the_old_table_kept_but_what_nothing_reads() -> None:
    read = enabled_fields(load_policies(Config()))

    assert covers(read, _without(OLD_TABLE, NEVER_READ))
    assert not covers(read, NEVER_READ)
    # And what it newly keeps: a system renamed and moved is followed by its components' addresses,
    # and the departures rule lets a system leave at its base stage.
    assert covers(read, {"AISystem": {"spec": {"components": {"artifact": {"uri": None}}}}})
    assert covers(read, {"AISystem": {"spec": {"lifecycle": {"stage": None}}}})


def test_the_cache_keeps_exactly_what_the_default_pack_reads() -> None:
    # Else a one-file run with the default pack could not use the cache's summaries of context files.
    assert enabled_fields(load_policies(Config())) == cached_fields()


def test_declared_paths_are_kept_and_nothing_else() -> None:
    keep = fields([{"AISystem": ("metadata.name", "spec.components.name")}, {"Directory": ("",)}])
    data = {
        "metadata": {"name": "router", "title": "Router"},
        "spec": {"components": [{"name": "m", "kind": "model"}, {"name": "p"}], "risk": {"tier": "high"}},
    }

    assert prune(data, keep["AISystem"]) == {
        "metadata": {"name": "router"},
        "spec": {"components": [{"name": "m"}, {"name": "p"}]},
    }
    assert keep["Directory"] is None
    assert covers(keep, {"AISystem": {"metadata": {"name": None}}})
    assert not covers(keep, {"AISystem": {"metadata": None}})
    assert not covers(keep, {"Evidence": {"spec": None}})


def _router_repo(root: Path) -> Path:
    shutil.copytree(RULES_DIR / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / MANIFEST).write_text(CLEAN, encoding="utf-8")
    return root


def test_a_context_document_keeps_only_what_the_enabled_checks_read(tmp_path: Path) -> None:
    root = _router_repo(tmp_path / "repo")
    evidence = root / "evidence" / "ticket-router" / "2026-11-20-usage-review.yaml"
    # MNT003 alone reads a system's activities and refreshes from its evidence's side.
    (root / ".charter.yaml").write_text("rules:\n  MNT003: {enabled: false}\n", encoding="utf-8")
    config = load_config(None, str(root))

    def context_system(keep: Any) -> Any:
        project = build_project([str(evidence)], str(root), str(root), config, set(), keep=keep)
        [system] = project.systems_named("ticket-router")
        return system.data

    everything = context_system(None)
    fewer = context_system(enabled_fields(load_policies(config)))

    assert all(m.keys() == {"activity"} for m in everything["spec"]["maintenance"])
    assert "maintenance" not in fewer["spec"]
    # A component's name and artifact address follow a renamed system; its training pipeline is code
    # the inventory counts as the system's. Its activities were MNT003's alone to read.
    assert fewer["spec"]["components"][0].keys() == {"name", "artifact", "training"}
    assert fewer["spec"]["ownership"] == {"accountable": "@dana", "technicalOwner": "@lee"}


def findings_by_file(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        out.setdefault(finding["file"], []).append(finding)
    return out


def check_json(
    root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> dict[str, Any]:
    _, out, _ = run([*args, "--as-of", AS_OF.isoformat(), "--format", "json"], root, capsys, monkeypatch)
    return json.loads(out)  # type: ignore[no-any-return]


def assert_one_file_runs_agree(
    root: Path, files: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file checked alone has the findings the whole tree gives it, cold and from the cache."""
    whole = findings_by_file(check_json(root, capsys, monkeypatch, "."))
    assert whole, "a tree without findings proves nothing"
    for file in files:
        for cache in ("--no-cache", None):
            alone = check_json(root, capsys, monkeypatch, file, *([cache] if cache else []))
            assert alone["findings"] == whole.get(file, []), (file, cache)


def test_each_file_of_the_examples_alone_has_the_findings_of_the_whole_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", root)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml") if p.name != ".charter.yaml")
    assert len(files) > 30

    assert_one_file_runs_agree(root, files, capsys, monkeypatch)


def test_each_file_of_a_generated_repository_alone_has_the_findings_of_the_whole_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not GENERATOR.exists():
        pytest.skip(f"the benchmark generator is not at {GENERATOR}")
    root = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(root), "--systems", "12"], check=True, capture_output=True
    )
    planted = json.loads((root / "planted-defects.json").read_text(encoding="utf-8"))
    assert planted, "the generated repository has defects to find"
    manifests = sorted(p.relative_to(root).as_posix() for p in (root / "ai-systems").rglob("*.yaml"))
    evidence = sorted(p.relative_to(root).as_posix() for p in (root / "evidence").rglob("*.yaml"))

    assert_one_file_runs_agree(root, manifests + evidence[::3], capsys, monkeypatch)


def test_a_field_a_rule_parameter_names_is_kept_where_the_system_is_only_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _router_repo(tmp_path / "repo")
    # The router waives MNT003 with the approval of @sam, its business owner, and has evidence
    # from the future: an MNT003 finding in the evidence file, waived while @sam may approve.
    waiver = CLEAN.replace("{rule: MNT001,", "{rule: MNT003,")
    (root / MANIFEST).write_text(waiver, encoding="utf-8")
    future = root / "evidence" / "ticket-router" / "2026-12-01-usage-review.yaml"
    text = (root / "evidence" / "ticket-router" / "2026-11-20-usage-review.yaml").read_text(encoding="utf-8")
    future.write_text(text.replace("2026-11-20", "2026-12-01"), encoding="utf-8")
    file = future.relative_to(root).as_posix()
    before = check_json(root, capsys, monkeypatch, file)
    assert [(f["rule"], f["waived"]) for f in before["findings"]] == [("MNT003", True)]

    # Naming the business owner among those who ask for waivers voids the waiver, whether the
    # router's manifest is checked too or only read as context for the evidence.
    (root / ".charter.yaml").write_text(
        "rules:\n  WVR001:\n    params:\n      requesters: "
        "[spec.ownership.accountable, spec.ownership.technicalOwner, spec.ownership.businessOwner]\n",
        encoding="utf-8",
    )
    assert_one_file_runs_agree(root, [file], capsys, monkeypatch)
    alone = check_json(root, capsys, monkeypatch, file)
    assert [(f["rule"], f["line"], f["waived"]) for f in alone["findings"]] == [("MNT003", 8, False)]
