"""All access to git, through gitpython, in one place."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from checker.errors import FatalError

if TYPE_CHECKING:
    import git


# Ordinary and executable files; symbolic links (0o120000) are never followed.
_REGULAR_FILE_MODES = (0o100644, 0o100755)


def _git_dir_of(work_tree: str) -> str | None:
    """The git directory of a work tree whose top holds .git (a directory, or a file naming one)."""
    dot = os.path.join(work_tree, ".git")
    if os.path.isdir(dot):
        return dot if os.path.isfile(os.path.join(dot, "HEAD")) else None
    if os.path.isfile(dot):  # a linked work tree or a submodule: "gitdir: <path>"
        try:
            with open(dot, encoding="utf-8") as handle:
                line = handle.readline().strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not line.startswith("gitdir:"):
            return None
        target = os.path.join(work_tree, line[len("gitdir:") :].strip())
        return target if os.path.isfile(os.path.join(target, "HEAD")) else None
    return None


@lru_cache(maxsize=32)
def toplevel(path: str) -> str | None:
    """The root of the git work tree holding path, or None outside git.

    Found the way git finds it, by looking for .git upwards, so that a run that needs nothing else
    from git never loads gitpython.
    """
    probe = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    while True:
        if _git_dir_of(probe) is not None:
            return os.path.realpath(probe)
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent


_OBJECT_ID = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def _read_ref(git_dir: str, common: str, ref: str) -> str | None:
    for directory in (git_dir, common):
        try:
            with open(os.path.join(directory, *ref.split("/")), encoding="ascii") as handle:
                value = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            continue
        return value if _OBJECT_ID.match(value) else None
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and _OBJECT_ID.match(parts[0]):
                    return parts[0]
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _head_from_files(root: str) -> tuple[bool, str | None]:
    """(known, commit): HEAD read from the files of the git directory; known is False when unsure."""
    git_dir = _git_dir_of(root)
    if git_dir is None:
        return False, None
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            common = os.path.join(git_dir, handle.read().strip())
    except OSError:
        pass
    if os.path.isdir(os.path.join(common, "reftable")):
        return False, None
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return False, None
    if _OBJECT_ID.match(head):
        return True, head
    if not head.startswith("ref: refs/"):
        return False, None
    commit = _read_ref(git_dir, common, head[len("ref: ") :])
    # A branch with no commit yet has no ref anywhere; anything else unexpected goes to git itself.
    return True, commit


def head_commit(root: str) -> str | None:
    """The commit HEAD points at, or None outside git or before the first commit."""
    known, commit = _head_from_files(root)
    if known:
        return commit
    try:
        with GitRepo(root) as repo:
            return repo.head()
    except FatalError:
        return None


def gitlinks(paths: list[str]) -> set[str]:
    """Which of paths (directories of a work tree) the index holds as submodules (mode 160000).

    Asked of git directly, without gitpython: only empty directories are asked about, which in a
    checkout are almost always submodules that were not checked out.
    """
    found: set[str] = set()
    by_root: dict[str, list[str]] = {}
    for path in paths:
        top = toplevel(path)
        if top is not None:
            by_root.setdefault(top, []).append(
                os.path.relpath(os.path.realpath(path), top).replace(os.sep, "/")
            )
    for top, rels in by_root.items():
        try:
            out = subprocess.run(
                ["git", "--literal-pathspecs", "-C", top, "ls-files", "--stage", "-z", "--", *rels],
                capture_output=True,
                check=True,
            ).stdout.decode("utf-8", "surrogateescape")
        except (OSError, subprocess.CalledProcessError):
            continue
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            if meta.startswith("160000 ") and path in rels:
                found.add(os.path.join(top, *path.split("/")))
    return found


class History(Mapping[str, dt.date]):
    """The day each file was first committed, asked of git only when a rule first needs it."""

    def __init__(self, root: str, prefix: str, files: list[str] | None) -> None:
        self._args = (root, prefix, files)
        self._dates: dict[str, dt.date] | None = None

    def _load(self) -> dict[str, dt.date]:
        if self._dates is None:
            root, prefix, files = self._args
            with GitRepo(root) as repo:
                self._dates = repo.first_added(prefix, files)
        return self._dates

    def __getitem__(self, file: str) -> dt.date:
        return self._load()[file]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


class GitRepo:
    """The repository a check runs in: revisions, base trees and file history."""

    def __init__(self, root: str) -> None:
        import git

        self.root = root
        self._git = git
        try:
            self.repo: git.Repo = git.Repo(root)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise FatalError("not a git repository", root) from None

    def close(self) -> None:
        self.repo.close()

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _run(self, *args: str) -> str:
        try:
            return str(self.repo.git.execute(["git", *args], strip_newline_in_stdout=False))
        except self._git.GitCommandError as exc:
            detail = (exc.stderr or "").strip().splitlines()
            reason = detail[-1].removeprefix("stderr: ").strip(" '") if detail else str(exc)
            raise FatalError(f"git {args[0]} failed: {reason}") from None

    def head(self) -> str | None:
        """The commit HEAD points at, or None before the first commit."""
        return self.repo.head.commit.hexsha if self.repo.head.is_valid() else None

    def resolve(self, ref: str) -> str:
        """The commit a revision names, or a clear error when it names none."""
        try:
            return str(self.repo.git.rev_parse("--verify", "-q", f"{ref}^{{commit}}"))
        except self._git.GitCommandError:
            raise FatalError(
                f"unknown revision {ref!r}: fetch it first (actions/checkout needs fetch-depth: 0)"
            ) from None

    def merge_base(self, base: str) -> str:
        """Where HEAD left base, as a pull request compares; base itself when there is no HEAD."""
        try:
            return str(self.repo.git.merge_base(base, "HEAD")).strip() or base
        except self._git.GitCommandError:
            return base

    def export(self, commit: str, dest: str) -> None:
        """Write the regular files of commit's tree under dest; links and submodules are skipped."""
        # Read from the object database, not through git archive: archive obeys the tree's
        # export-ignore and export-subst attributes, so a repository that keeps docs/ out of its
        # release tarballs would lose the files its base manifests refer to.
        for item in self.repo.commit(commit).tree.traverse():
            if not isinstance(item, self._git.Blob) or item.mode not in _REGULAR_FILE_MODES:
                continue
            parts = os.fspath(item.path).split("/")
            if any(p in ("", ".", "..") for p in parts):
                continue
            target = os.path.join(dest, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(item.data_stream.read())

    def tree_entries(self, commit: str) -> list[tuple[str, str]]:
        """(mode, path) of every entry of commit's tree, submodules and links included, none followed."""
        out = self._run("ls-tree", "-r", "-z", "--full-tree", commit)
        entries = []
        # Each entry is "<mode> <type> <object>\t<path>".
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            if path:
                entries.append((meta.split(" ", 1)[0], path))
        return entries

    def changes_since(
        self, commit: str
    ) -> tuple[dict[str, str], tuple[str, ...], dict[str, str], dict[str, str]]:
        """How the working tree differs from commit: {path: A, M or D}, untracked folders, base blob ids
        and base modes.

        A means only the working tree has the path (added, untracked or ignored), D only the commit,
        M both. Untracked and ignored folders (paths ending in /) are the working tree's only,
        whatever they hold. The blob ids and git modes are those of the commit's version of each M
        or D path.
        """
        changes: dict[str, str] = {}
        blobs: dict[str, str] = {}
        modes: dict[str, str] = {}
        fields = self._run("diff", "--raw", "--no-abbrev", "--no-renames", "-z", commit, "--").split("\0")
        # Each change is ":<mode> <mode> <blob> <blob> <status>" and then the path.
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            parts = meta.split()
            if not path or len(parts) < 5:
                continue
            status = parts[4][:1]
            changes[path] = {"A": "A", "D": "D"}.get(status, "M")
            if status != "A":
                blobs[path] = parts[2]
                modes[path] = parts[0].lstrip(":")
        folders = []
        # Without --exclude-standard: ignored files are as absent from the commit as untracked ones.
        for path in self._run("ls-files", "--others", "--directory", "-z").split("\0"):
            if path.endswith("/"):
                folders.append(path)
            elif path:
                changes[path] = "M" if changes.get(path) == "D" else "A"
        return changes, tuple(folders), blobs, modes

    def text_at(self, commit: str, path: str) -> bytes | None:
        """The bytes of the regular file at path in commit, or None when it has no such file."""
        try:
            item = self.repo.commit(commit).tree / path
        except KeyError:
            return None
        if not isinstance(item, self._git.Blob) or item.mode not in _REGULAR_FILE_MODES:
            return None
        return bytes(item.data_stream.read())

    def changed_since(self, commit: str) -> set[str]:
        """Paths (from the root, with /) that differ between commit and the working tree."""
        diff = self._run("diff", "--name-only", "--no-renames", "-z", commit, "--")
        untracked = self._run("ls-files", "--others", "--exclude-standard", "-z")
        return {p for p in (diff + untracked).split("\0") if p}

    def first_added(self, prefix: str = "", files: list[str] | None = None) -> dict[str, dt.date]:
        """The day each file under prefix (or each of files) was first committed, in its committer's zone."""
        if not self.repo.head.is_valid():
            return {}
        # %cs keeps the commit's own time zone: evidence done and committed on the same local day
        # must not look backdated because UTC had not reached that day yet (or the other way round).
        args = ["log", "--diff-filter=A", "--no-renames", "--format=%x00%cs", "--name-only", "-z"]
        # Naming the files, when there are few, spares walking the history of the whole tree.
        pathspecs = files if files is not None and len(files) <= 200 else [prefix or "."]
        if not pathspecs:
            return {}
        out = self._run(*args, "--", *pathspecs)
        added: dict[str, dt.date] = {}
        when: dt.date | None = None
        date_next = False
        # Each commit is "\0<date>\0\n<path>\0<path>\0...": no path is empty, so the field after an
        # empty one is a date, whatever the file names look like. Newest commit first: the last date
        # seen for a path is its first addition.
        for item in out.split("\0"):
            if not item:
                date_next = True
            elif date_next:
                when = dt.date.fromisoformat(item.strip())
                date_next = False
            elif when is not None:
                added[item.removeprefix("\n")] = when
        return added


def as_repo_path(path: str, git_root: str) -> str:
    """path relative to the git root, with / separators."""
    return os.path.relpath(path, git_root).replace(os.sep, "/")
