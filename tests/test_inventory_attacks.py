"""Attempts to hide AI usage from the inventory, each in a real git repository, and where it is found."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main
from tests.git_helpers import Repo, router_repo, variant

CODE = variant("\nspec:\n", '\nspec:\n  code: ["services/router/**"]\n')


def _inv(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[Any, ...]]:
    """The INV001 findings of charter check: severity, file, line, column, status."""
    main(["check", str(repo.root), "--format", "json", "--as-of", "2026-11-23", *args])
    report = json.loads(capsys.readouterr().out)
    return [
        (f["severity"], f["file"], f["line"], f["column"], f.get("status"))
        for f in report["findings"]
        if f["rule"] == "INV001"
    ]


def _wide(name: str) -> str:
    """name in fullwidth letters, which Python reads as the same identifier (NFKC)."""
    return "".join(chr(ord(c) + 0xFEE0) for c in name)


def _messages(repo: Repo, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    main(["check", str(repo.root), "--format", "json", "--as-of", "2026-11-23"])
    report = json.loads(capsys.readouterr().out)
    return {f["file"]: f["message"] for f in report["findings"] if f["rule"] == "INV001"}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = router_repo(tmp_path / "repo", CODE)
    repo.write("services/router/app.py", "import openai\n")
    repo.write("vendor/ourbot/bot.py", "x = 1\nimport anthropic\n")
    repo.write("vendor/ourbot/__init__.py", "")
    repo.commit("The router and a vendored bot")
    return repo


def test_a_link_to_a_file_that_is_not_looked_at_is_read_where_it_is(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    os.makedirs(repo.root / "services/other")
    os.symlink("../../vendor/ourbot/bot.py", repo.root / "services/other/ai.py")
    # A link to a file the inventory reads on its own adds nothing: that file is judged where it is.
    os.symlink("../router/app.py", repo.root / "services/other/router.py")
    repo.commit("Run the vendored bot as our own")
    assert _inv(repo, capsys) == [("warning", "services/other/ai.py", 2, 8, None)]


def test_a_link_to_a_directory_is_read_below_the_link(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    os.makedirs(repo.root / "services/other")
    os.symlink("../../vendor/ourbot", repo.root / "services/other/ourbot")
    repo.write("services/other/main.py", "import ourbot\n")
    repo.commit("Import the vendored bot through a link")
    assert _inv(repo, capsys) == [("warning", "services/other/ourbot/bot.py", 2, 8, None)]


def test_a_link_out_of_the_repository_cannot_be_read(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "outside.py").write_text("import openai\n")
    os.makedirs(repo.root / "services/other")
    os.symlink(tmp_path / "outside.py", repo.root / "services/other/ext.py")
    os.symlink("../nowhere.py", repo.root / "services/other/gone.py")
    # What lies outside the repository is no part of it: a link not named like code is passed over.
    os.symlink(tmp_path, repo.root / "services/other/assets")
    repo.commit("Links that leave the repository")
    assert _inv(repo, capsys) == [
        ("warning", "services/other/ext.py", 1, 1, None),
        ("warning", "services/other/gone.py", 1, 1, None),
    ]
    messages = _messages(repo, capsys)
    assert messages["services/other/ext.py"] == (
        "It is a symbolic link to outside the repository, which Charter never follows, "
        "so Charter cannot tell whether it uses AI"
    )
    assert messages["services/other/gone.py"] == (
        "It is a symbolic link to nothing, so Charter cannot tell whether it uses AI"
    )


def test_a_covered_link_needs_nothing(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink("../../vendor/ourbot/bot.py", repo.root / "services/router/bot.py")
    repo.commit("The router runs the vendored bot")
    assert _inv(repo, capsys) == []


# Jupyter decodes JSON escapes and joins a cell's lines as they are, with no line break between.
NOTEBOOK = json.dumps(
    {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["x = 1\n", "import openai\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import anth", "ropic\n"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    indent=1,
)
# Files written to hide AI usage, and the INV001 findings that show it all the same.
HIDDEN = [
    pytest.param(
        {"notebooks/explore.ipynb": NOTEBOOK.replace("import openai", "import \\u006fpenai") + "\n"},
        [
            ("warning", "notebooks/explore.ipynb", 9, 13, None),
            ("warning", "notebooks/explore.ipynb", 17, 13, None),
        ],
        id="an-escaped-name-in-a-notebook-is-read-as-jupyter-reads-it",
    ),
    pytest.param(
        {
            "tools/route.py": "# -*- coding: utf-7 -*-\nimport +AG8-penai\n",
            "tools/bad.py": "# -*- coding: no-such-codec -*-\nimport openai\n",
        },
        [("warning", "tools/bad.py", 1, 1, None), ("warning", "tools/route.py", 2, 8, None)],
        id="a-python-source-in-another-encoding-is-read-as-python-reads-it",
    ),
    pytest.param(
        {
            "tools/pieces.py": 'import importlib\n\nclient = importlib.import_module("open" "ai")\n',
            "tools/alias.py": 'from importlib import import_module as load\n\nmodel = load("torch")\n',
            f"tools/{_wide('full')}.py": f"import {_wide('openai')}\n",  # Python reads it as openai
        },
        [
            ("warning", "tools/alias.py", 3, 9, None),
            ("warning", "tools/pieces.py", 3, 10, None),
            ("warning", f"tools/{_wide('full')}.py", 1, 8, None),
        ],
        id="a-module-name-built-from-pieces-or-an-aliased-import-module",
    ),
    pytest.param(
        {
            "requirements.txt": (
                "-r deps/extra.pip\nrequests==2.32.0\n-e git+https://example.com/openai-python.git#egg=openai\n"
            ),
            "deps/extra.pip": "# more\nlitellm>=1.40\n-c ../constraints.txt\n",
            # Decoys: constraints install nothing, a README is not a requirements file, an alias of
            # another package is not AI.
            "constraints.txt": "torch<3\n",
            "requirements/README.md": "openai\n",
            "web/other/package.json": '{"dependencies": {"openai-like": "npm:left-pad@1"}}\n',
            "requirements/prod.txt": "torch==2.3.0\n",
            "requirements.in": "anthropic\n",
            "web/package.json": '{\n  "dependencies": {\n    "llm": "npm:openai@^4.0.0"\n  }\n}\n',
        },
        [
            ("warning", "deps/extra.pip", 2, 1, None),
            ("warning", "requirements.in", 1, 1, None),
            ("warning", "requirements.txt", 3, 50, None),
            ("warning", "requirements/prod.txt", 1, 1, None),
            ("warning", "web/package.json", 3, 17, None),
        ],
        id="dependencies-hidden-in-requirement-files-of-other-names",
    ),
    pytest.param(
        {
            "web/chat.js": "const a = require(`openai`);\n"
            'import b from "\\x40anthropic-ai/sdk";\n'
            "const c = await import('\\u{6f}penai');\n"
            "const d = require(`open${'ai'}`);\n"  # built at run time: not a name Charter can read
            "const e = `require('openai')`;\n",  # a string, not code
        },
        [
            ("warning", "web/chat.js", 1, 20, None),
            ("warning", "web/chat.js", 2, 16, None),
            ("warning", "web/chat.js", 3, 25, None),
        ],
        id="a-javascript-module-name-in-escapes-or-a-template-literal",
    ),
]


@pytest.mark.parametrize(("files", "expected"), HIDDEN)
def test_ai_usage_hidden_in_a_file_is_found_where_its_reader_would_see_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], files: dict[str, str], expected: list[tuple[Any, ...]]
) -> None:
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("AI usage, hidden")
    assert _inv(repo, capsys) == expected


def test_an_executable_script_without_an_extension_is_read_by_its_interpreter(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    script = repo.write("bin/route", "#!/usr/bin/env python3\nimport openai\n")
    script.chmod(0o755)
    node = repo.write("bin/summarise", "#!/usr/bin/env node\nconst ai = require('@anthropic-ai/sdk');\n")
    node.chmod(0o755)
    repo.write("bin/README", "#!/usr/bin/env python3\nimport openai\n")  # not executable: not a script
    repo.commit("Scripts")
    assert _inv(repo, capsys) == [
        ("warning", "bin/route", 2, 8, None),
        ("warning", "bin/summarise", 2, 21, None),
    ]


def test_a_file_renamed_out_of_a_covered_glob_is_new_under_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("checkout", "-q", "-b", "rename")
    repo.git("mv", "services/router/app.py", "services/router_app.py")
    repo.commit("Rename the router service out of its directory")
    assert _inv(repo, capsys, "--base", "main") == [("error", "services/router_app.py", 1, 8, "new")]


def test_a_link_a_change_adds_is_new_under_base(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.git("checkout", "-q", "-b", "link")
    os.makedirs(repo.root / "services/other")
    os.symlink("../../vendor/ourbot", repo.root / "services/other/ourbot")
    repo.commit("Import the vendored bot through a link")
    assert _inv(repo, capsys, "--base", "main") == [("error", "services/other/ourbot/bot.py", 2, 8, "new")]


def test_links_that_lead_to_each_other_are_read_once(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # Two links to their own directory: every path through them is a path again. What they lead to
    # is read where it is, and the links themselves are followed where they are, once each.
    os.symlink(".", repo.root / "vendor/ourbot/a")
    os.symlink(".", repo.root / "vendor/ourbot/b")
    os.makedirs(repo.root / "services/other")
    os.symlink("../../vendor/ourbot", repo.root / "services/other/ourbot")
    repo.commit("Links in a circle")
    assert _inv(repo, capsys) == [("warning", "services/other/ourbot/bot.py", 2, 8, None)]


def test_a_chain_of_links_deeper_than_is_followed_cannot_be_read(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each link leads into a vendored directory (never looked at on its own) holding the next link.
    for depth in range(6):
        os.makedirs(repo.root / f"vendor/d{depth}")
        os.symlink(f"../d{depth + 1}", repo.root / f"vendor/d{depth}/next")
    os.makedirs(repo.root / "vendor/d6")
    repo.write("vendor/d6/deep.py", "import openai\n")
    os.makedirs(repo.root / "services/other")
    os.symlink("../../vendor/d0", repo.root / "services/other/chain")
    repo.commit("A long chain of links")
    assert _inv(repo, capsys) == [("warning", "services/other/chain/next/next/next/next/next", 1, 1, None)]
    assert (
        "behind too many others" in _messages(repo, capsys)["services/other/chain/next/next/next/next/next"]
    )
