#!/usr/bin/env python3
"""Time Charter on a generated repository: full runs, the one-file case, --base, the floor.

    python benchmarks/bench.py [--systems 2000] [--runs 3] [--work DIR]

The repository comes from ../shared/bench/gen_corpus.py (beside this project, as in CI). A clone of
it with one system's model version bumped in a commit of its own stands for a pull request; the
manifest is checked before and after the bump, as the pre-commit hook would have. Prints the median
wall time and peak memory of each case and the ratios to libyaml's bare parse time and to the
one-file case. It is a measurement to quote, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
AS_OF = "2026-11-23"
FLOOR = (
    "import sys, glob, yaml\n"
    "for f in glob.glob(sys.argv[1] + '/**/*.yaml', recursive=True):\n"
    "    yaml.load(open(f, 'rb').read(), Loader=yaml.CSafeLoader)\n"
)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one run of command."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "charter-own-bench"))
    args = parser.parse_args()
    charter = shutil.which("charter")
    if charter is None or not GENERATOR.exists():
        print("needs `charter` on PATH and ../shared/bench/gen_corpus.py", file=sys.stderr)
        return 2
    corpus = Path(args.work) / f"corpus-{args.systems}"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, str(GENERATOR), str(corpus), "--systems", str(args.systems), "--git"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    one = "ai-systems/support-ml/support-ml-sys-00000.yaml"
    cache = Path(args.work) / "cache"
    env = {**os.environ, "CHARTER_CACHE_DIR": str(cache)}
    changed = _pull_request(corpus, Path(args.work) / f"changed-{args.systems}", one, charter, env)
    check = [charter, "check", "--as-of", AS_OF]
    cases: dict[str, tuple[list[str], Path]] = {
        "floor": ([sys.executable, "-c", FLOOR, str(corpus)], corpus),
        "charter, no cache": ([*check, ".", "--format", "json", "--no-cache"], corpus),
        "charter, warm cache": ([*check, ".", "--format", "json"], corpus),
        "one file, warm cache": ([*check, one], corpus),
        "one file, --base": ([*check, one, "--base", "HEAD~1"], changed),
        "whole repo, --base": ([*check, ".", "--format", "json", "--base", "HEAD~1"], changed),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for command, cwd in cases.values():  # warm-up: page cache, bytecode, Charter's cache
        timed(command, cwd, env)
    for _ in range(args.runs):
        for name, (command, cwd) in cases.items():
            results[name].append(timed(command, cwd, env))
    medians = {name: statistics.median(w for w, _ in runs) for name, runs in results.items()}
    floor, single = medians["floor"], medians["one file, warm cache"]
    print(f"{args.systems} systems, {args.runs} runs each (medians)")
    for name, runs in results.items():
        wall = medians[name]
        peak = max(m for _, m in runs)
        ratios = f"{wall / floor:5.2f} x floor  {wall / single:5.2f} x one file"
        print(f"{name:22} {wall:8.3f} s  {peak:7.1f} MiB  {ratios}")
    return 0


def _pull_request(corpus: Path, clone: Path, manifest: str, charter: str, env: dict[str, str]) -> Path:
    """A clone of corpus whose last commit bumps the model version of manifest."""
    if clone.exists():
        return clone
    subprocess.run(["git", "clone", "-q", str(corpus), str(clone)], check=True)
    check = [charter, "check", manifest, "--as-of", AS_OF]
    subprocess.run(check, cwd=clone, env=env, stdout=subprocess.DEVNULL, check=False)
    target = clone / manifest
    text = target.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.strip().startswith("version:"))
    major, minor, _ = old.split(":", 1)[1].strip().split(".")
    target.write_text(
        text.replace(old, old.split(":")[0] + f": {major}.{int(minor) + 1}.0", 1), encoding="utf-8"
    )
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", *identity, "commit", "-qam", "Bump the model"], cwd=clone, check=True)
    subprocess.run(check, cwd=clone, env=env, stdout=subprocess.DEVNULL, check=False)
    return clone


if __name__ == "__main__":
    sys.exit(main())
