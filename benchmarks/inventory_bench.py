"""Time `charter inventory` against `git grep -l -E` with the same import patterns on a large real tree.

    python benchmarks/inventory_bench.py [--tree DIR] [--runs N]

The tree (by default the site-packages of this interpreter, plus its standard library) is copied
into a temporary git repository and committed. Each run times, in the same process run: git grep
for the detectors' Python and JavaScript import patterns over the same kinds of files, and charter
inventory with no cache and with its cache (kept by git blob id). Peak memory of charter is read
from the kernel's accounting of the child process.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

from checker.config import Config
from checker.inventory.detectors import load_detectors
from checker.policy import load_policies

_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
_KINDS = ["*.py", "*.pyw", "*.ipynb", "*.js", "*.mjs", "*.cjs", "*.jsx", "*.ts", "*.tsx", "*.mts", "*.cts"]
_KINDS += ["*.vue", "*.svelte", "*.astro", "requirements*.txt", "requirements*.in", "*requirements/*.txt"]
_KINDS += ["*requirements/*.in", "pyproject.toml", "Pipfile", "package.json"]


def _git(root: str, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=_ENV, check=True, capture_output=True
    )


def build(tree: list[str], target: str) -> int:
    for index, source in enumerate(tree):
        shutil.copytree(
            source,
            os.path.join(target, f"t{index}"),
            symlinks=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    _git(target, "init", "-q", "-b", "main")
    _git(target, "add", "-A")
    _git(target, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "-m", "tree")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=target, capture_output=True, check=True).stdout
    return listed.count(b"\0")


def grep_pattern() -> str:
    detectors = load_detectors(load_policies(Config()), Config())
    python = sorted({m.rstrip("*") for d in detectors.all for m in d.python})
    javascript = sorted({m.rstrip("*") for d in detectors.all for m in d.javascript})
    modules = "|".join(re.escape(m) for m in python)
    packages = "|".join(re.escape(m) for m in javascript)
    return (
        rf"^\s*(import|from)\s+({modules})"
        rf"|(require|import)\s*\(?\s*['\"]({packages})|from\s+['\"]({packages})"
    )


def timed(args: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and the peak resident MiB of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    default = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"]]
    parser.add_argument("--tree", action="append", help="a directory to copy in (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    charter = os.path.join(os.path.dirname(sys.executable), "charter")
    with tempfile.TemporaryDirectory(
        prefix="charter-inventory-bench-", ignore_cleanup_errors=True
    ) as scratch:
        repo = os.path.join(scratch, "repo")
        os.mkdir(repo)
        files = build(options.tree or default, repo)
        pattern = grep_pattern()
        cold_env = {**_ENV, "CHARTER_NO_CACHE": "1"}
        warm_env = {**_ENV, "CHARTER_CACHE_DIR": os.path.join(scratch, "cache")}
        subprocess.run([charter, "inventory", "."], cwd=repo, env=warm_env, stdout=subprocess.DEVNULL)
        grep, cold, warm = [], [], []
        for _ in range(options.runs):
            grep.append(timed(["git", "grep", "-l", "-E", pattern, "--", *_KINDS], repo, _ENV)[0])
            cold.append(timed([charter, "inventory", ".", "--no-cache"], repo, cold_env))
            warm.append(timed([charter, "inventory", "."], repo, warm_env))
        g = sorted(grep)[len(grep) // 2]
        c = sorted(t for t, _ in cold)[len(cold) // 2]
        w = sorted(t for t, _ in warm)[len(warm) // 2]
        peak = max(m for _, m in cold + warm)
        print(f"{files} files; git grep {g:.2f}s; charter inventory cold {c:.2f}s, warm {w:.2f}s")
        print(f"ratio cold/grep {c / g:.2f}, warm/grep {w / g:.2f}; peak memory {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
