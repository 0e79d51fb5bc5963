"""Paths named by the configuration and the command line, looked at as the system would open them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.paths import Walked, anchored, climbs, walk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/x", True),
        ("\\x", True),
        ("C:/x", True),
        ("c:x", True),
        ("x/y", False),
        ("./x", False),
        ("ab:c", False),
    ],
)
def test_anchored(text: str, expected: bool) -> None:
    assert anchored(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("../x", True), ("a/../b", True), ("a\\..\\b", True), ("a..b/c", False), ("..x", False)],
)
def test_climbs(text: str, expected: bool) -> None:
    assert climbs(text) is expected


def test_walk_stops_at_the_first_link_inside_top_and_follows_those_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    (real / "repo" / "sub").mkdir(parents=True)
    (real / "outside" / "deep").mkdir(parents=True)
    (tmp_path / "home").symlink_to(real, target_is_directory=True)
    (real / "repo" / "sub" / "away").symlink_to(real / "outside" / "deep", target_is_directory=True)
    (real / "repo" / "file.yaml").symlink_to(real / "outside" / "x.yaml")
    top = str(tmp_path / "home" / "repo")
    monkeypatch.chdir(real / "repo")

    assert walk(str(tmp_path / "home" / "repo" / "sub" / "a.yaml"), top) == Walked(
        str(real / "repo/sub/a.yaml")
    )
    assert walk("sub/away/../x.yaml", top) == Walked(*[str(real / "repo/sub/away")] * 2, False)
    assert walk("file.yaml", top) == Walked(*[str(real / "repo/file.yaml")] * 2, True)
    # Without a top the links on the way are followed, and '..' climbs from where they lead.
    assert walk("sub/away/../x.yaml", None) == Walked(str(real / "outside" / "x.yaml"))
    assert walk("file.yaml", None).last
    assert walk("sub/../../outside/deep", top) == Walked(os.path.join(str(real), "outside", "deep"))
