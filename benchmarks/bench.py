#!/usr/bin/env python3
"""Time Charter on a generated repository: cold and warm full runs, the one-file case, the floor.

    python benchmarks/bench.py [--systems 2000] [--runs 3] [--work DIR]

The repository comes from ../shared/bench/gen_corpus.py (beside this project, as in CI). Prints the
median wall time and peak memory of each case and the ratios to libyaml's bare parse time. It is a
measurement to quote, not a test: nothing here asserts a time.
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
    cases = {
        "floor": [sys.executable, "-c", FLOOR, str(corpus)],
        "charter, no cache": [charter, "check", ".", "--as-of", AS_OF, "--format", "json", "--no-cache"],
        "charter, warm cache": [charter, "check", ".", "--as-of", AS_OF, "--format", "json"],
        "one file, warm cache": [charter, "check", one, "--as-of", AS_OF],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for command in cases.values():  # warm-up: page cache, bytecode, Charter's cache
        timed(command, corpus, env)
    for _ in range(args.runs):
        for name, command in cases.items():
            results[name].append(timed(command, corpus, env))
    floor = statistics.median(w for w, _ in results["floor"])
    print(f"{args.systems} systems, {args.runs} runs each (medians)")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        peak = max(m for _, m in runs)
        print(f"{name:22} {wall:8.3f} s  {peak:7.1f} MiB  {wall / floor:5.2f} x floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
