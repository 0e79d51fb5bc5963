"""A repository's revisions and the trees and history of its commits, read through git."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from checker.errors import FatalError
from checker.gitrepo import REGULAR_FILE_MODES

if TYPE_CHECKING:
    import git

_FULL_HEX = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
_SHORT_HEX = re.compile(r"^[0-9a-fA-F]{4,63}$")
# A name as git allows it in a ref (no control characters, blanks, ~ ^ : ? * [ \, "..", "@{" or a
# leading "-"), then parent steps. Anything else is revision syntax --base does not take.
_REVISION = re.compile(r"^((?!-)(?:(?!\.\.|@\{)[^\x00-\x20\x7f~^:?*\[\\])*)((?:[~^][0-9]*)*)$")
# What a name may stand for, in the order an ambiguity is told.
_REF_KINDS = (("refs/heads/", "branch"), ("refs/remotes/", "remote-tracking branch"), ("refs/tags/", "tag"))


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

    def resolve(self, rev: str, on_actions: bool = False) -> str:
        """The commit --base names, or a FatalError saying what to pass instead.

        rev is a full object id or a ref (see _ref_target), then optionally ~N and ^N steps back
        through parents. Abbreviated ids and other revision syntax are refused: the objects and refs
        a pull request brings could make them name another commit than the one meant.
        """
        match = _REVISION.match(rev)
        if match is None or not match.group(1):
            raise FatalError(
                f"--base {rev!r} is neither a commit id nor a ref name: pass a full commit id "
                "(git rev-parse prints it), or a branch, remote-tracking branch or tag name, "
                "optionally followed by ~N or ^N"
            )
        name, steps = match.groups()
        fetch = "fetch it first" + (" (actions/checkout needs fetch-depth: 0)" if on_actions else "")
        is_id = bool(_FULL_HEX.match(name))
        if not is_id and _SHORT_HEX.match(name):
            # Not looked up as a ref either: a branch named like the commit would take its place.
            raise FatalError(
                f"--base {rev!r} looks like an abbreviated commit id, which is not accepted: pass the "
                "full commit id (git rev-parse prints it) or the full ref name (refs/...)"
            )
        start = name.lower() if is_id else self._ref_target(rev, name)
        if not start:
            raise FatalError(
                f"unknown revision {rev!r}: no branch, remote-tracking branch or tag has that name; {fetch}"
            )
        commit = self._commit(start + steps)
        if commit is not None:
            return commit
        if self._commit(start) is not None:
            reason = f"{name} has no such ancestor here; {fetch}"
        elif is_id:
            reason = f"this repository has no commit with that id; {fetch}"
        else:
            reason = f"{name} does not point at a commit"
        raise FatalError(f"unknown revision {rev!r}: {reason}")

    def _ref_target(self, rev: str, name: str) -> str:
        """The object id of the one ref name stands for, "" when there is none; ambiguity is an error.

        name stands for refs/heads/name, refs/remotes/name and refs/tags/name (and HEAD for the
        checked-out commit); a full ref name, refs/..., only for itself.
        """
        full = [name] if name.startswith("refs/") else [prefix + name for prefix, _ in _REF_KINDS]
        listed = self._run("for-each-ref", "--format=%(objectname) %(refname)", *full)
        found = {ref: oid for oid, _, ref in (line.partition(" ") for line in listed.splitlines())}
        matches = [(ref, found[ref]) for ref in full if ref in found]
        if name == "HEAD" and self.repo.head.is_valid():
            matches.insert(0, ("HEAD", self.repo.head.commit.hexsha))
        if len(matches) > 1:
            kinds = dict(_REF_KINDS)
            named = [
                next((f"the {kind} {ref}" for prefix, kind in kinds.items() if ref.startswith(prefix)), ref)
                for ref, _ in matches
            ]
            raise FatalError(
                f"--base {rev!r} is ambiguous: it names {', '.join(named[:-1])} and {named[-1]}; "
                "pass the full ref name (refs/...) or a full commit id"
            )
        return matches[0][1] if matches else ""

    def _commit(self, rev: str) -> str | None:
        """The commit rev (an object id and parent steps) names, or None."""
        try:
            return str(self.repo.git.rev_parse("--verify", "-q", f"{rev}^{{commit}}"))
        except self._git.GitCommandError:
            return None

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
            if not isinstance(item, self._git.Blob) or item.mode not in REGULAR_FILE_MODES:
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
        if not isinstance(item, self._git.Blob) or item.mode not in REGULAR_FILE_MODES:
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
        # --cc: a merge commit lists the files it added itself (in none of its parents), which plain
        # log leaves out; a file a merge only brings in from a side branch is dated there instead.
        args = ["log", "--cc", "--diff-filter=A", "--no-renames", "--format=%x00%x00%cs", "--name-only", "-z"]
        # Naming the files, when there are few, spares walking the history of the whole tree.
        pathspecs = files if files is not None and len(files) <= 200 else [prefix or "."]
        if not pathspecs:
            return {}
        out = self._run(*args, "--", *pathspecs)
        added: dict[str, dt.date] = {}
        when: dt.date | None = None
        empty = 0
        # Each commit is "\0\0<date>\0", then its paths, each ending in \0: after "\n" for an
        # ordinary commit, after one more "\0" for a merge. No path is empty, so the field after two
        # or more empty ones is a date, whatever the file names look like.
        for item in out.split("\0"):
            if not item:
                empty += 1
                continue
            if empty >= 2:
                when = dt.date.fromisoformat(item.strip())
            elif when is not None:
                path = item.removeprefix("\n")
                # The earliest addition, whatever order the commits' dates put them in.
                added[path] = min(when, added.get(path, when))
            empty = 0
        return added


class CommitFiles:
    """The files of a commit below prefix, read from git's objects, as checker.sources reads a tree.

    Each entry is "file" (a regular file) or "link" (a symbolic link or submodule, never read).
    """

    def __init__(self, git_root: str, commit: str, prefix: str) -> None:
        self._root, self._commit = git_root, commit
        self._prefix = "" if prefix in ("", ".") else prefix.rstrip("/") + "/"
        self._all: dict[str, tuple[str, str]] | None = None

    def _git(self, *args: str) -> bytes:
        done = subprocess.run(
            ["git", "-C", self._root, *args], capture_output=True, check=False, stdin=subprocess.DEVNULL
        )
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise FatalError(f"git {args[0]} failed: {reason[-1] if reason else done.returncode}")
        return done.stdout

    def _load(self) -> dict[str, tuple[str, str]]:
        if self._all is None:
            self._all = {}
            out = self._git("ls-tree", "-r", "-z", "--full-tree", self._commit).decode("utf-8", "replace")
            for entry in out.split("\0"):
                meta, _, path = entry.partition("\t")
                if not path.startswith(self._prefix) or not path:
                    continue
                mode, _, rest = meta.partition(" ")
                kind = "file" if mode in ("100644", "100755") else "link"
                self._all[path[len(self._prefix) :]] = (kind, rest.split(" ")[-1])
        return self._all

    def entries(self, under: str) -> Mapping[str, str]:
        below = under + "/" if under else ""
        return {p: k for p, (k, _) in self._load().items() if p.startswith(below)}

    def read(self, path: str) -> bytes | None:
        found = self._load().get(path)
        if found is None or found[0] != "file":
            return None
        return self._git("cat-file", "blob", found[1])
