"""checker.yamlload: data with 1-based positions, and a clear refusal for every kind of bad input."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from checker import yamlload, yamlscan
from checker.config import Config
from checker.document import YamlProblem
from checker.project import build_project
from checker.yamlload import MAX_BYTES, LoadedFile, _read_within, load_file, load_text
from checker.yamlscan import MAX_DEPTH, MAX_DOCUMENTS, MAX_NODES

MANIFEST = """\
# A comment line does not move anything.
apiVersion: charter/v1
kind: AISystem
metadata:
  name: ticket-router
  labels: {domain: support}
spec:
  components:
    - name: classifier
      version: 3.2.0
    - {name: rules, version: "1.0.0"}
  purpose:
    outOfScope:
      - Legal complaints
---
apiVersion: v1
kind: ConfigMap
data: [x, y]
"""


COLON = "; if ': ' is part of a value, put the value in quotes, otherwise check the indentation"


def problems(loaded: LoadedFile) -> list[tuple[str, int, int]]:
    return [(p.message, p.line, p.column) for p in loaded.problems]


def doc_problems(loaded: LoadedFile, index: int = 0) -> list[tuple[str, int, int]]:
    return [(p.message, p.line, p.column) for p in loaded.documents[index].problems]


# --- valid documents and positions -------------------------------------------------------------


def test_every_document_of_a_file_is_loaded_with_where_it_starts() -> None:
    loaded = load_text(MANIFEST)

    assert problems(loaded) == []
    assert [(d.index, d.line, d.column) for d in loaded.documents] == [(0, 2, 1), (1, 16, 1)]
    assert loaded.documents[1].data == {"apiVersion": "v1", "kind": "ConfigMap", "data": ["x", "y"]}
    assert loaded.mentions_charter


def test_keys_values_and_list_items_have_their_positions() -> None:
    doc = load_text(MANIFEST).documents[0]

    assert doc.keys[("metadata", "name")] == (5, 3)
    assert doc.values[("metadata", "name")] == (5, 9)
    assert doc.keys[("metadata", "labels", "domain")] == (6, 12)
    assert doc.values[("metadata", "labels", "domain")] == (6, 20)
    # A block list item starts at its first key, after "- "; a flow one at its brace.
    assert doc.values[("spec", "components", 0)] == (9, 7)
    assert doc.values[("spec", "components", 0, "version")] == (10, 16)
    assert doc.values[("spec", "components", 1)] == (11, 7)
    assert doc.keys[("spec", "components", 1, "version")] == (11, 21)
    assert doc.values[("spec", "components", 1, "version")] == (11, 30)
    assert doc.values[("spec", "purpose", "outOfScope", 0)] == (14, 9)
    # Plain scalars are typed: a version stays text, a quoted one too.
    assert doc.data["spec"]["components"] == [
        {"name": "classifier", "version": "3.2.0"},
        {"name": "rules", "version": "1.0.0"},
    ]


def test_locate_gives_the_value_or_the_closest_parent_that_exists() -> None:
    doc = load_text(MANIFEST).documents[0]

    assert doc.locate(("metadata", "name")) == (5, 9)
    # Missing fields: the key of the nearest mapping that is there.
    assert doc.locate(("metadata", "title")) == (4, 1)
    assert doc.locate(("spec", "rollback", "runbook")) == (7, 1)
    assert doc.locate(("spec", "purpose", "intendedUse")) == (12, 3)
    # Inside a list item that lacks the field: the item itself.
    assert doc.locate(("spec", "components", 0, "training", "seed")) == (9, 7)
    assert doc.locate(("spec", "components", 7, "version")) == (8, 3)
    # Nothing at all: where the document starts.
    assert doc.locate(("nothing",)) == (2, 1)
    assert doc.locate(()) == (2, 1)
    # locate_key points at the key that introduces a field, and at the value for list items.
    assert doc.locate_key(("metadata", "name")) == (5, 3)
    assert doc.locate_key(("spec", "components", 1)) == (11, 7)


def test_shed_positions_of_a_file_are_read_again_once_for_all_its_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "".join(f"---\nname: s{i}\nowner: {{team: t{i}}}\n" for i in range(200)), encoding="utf-8"
    )
    documents = load_file(str(path)).documents
    for doc in documents:
        doc.shed(str(path))
    reads: list[str] = []

    def counted(name: str) -> LoadedFile:
        reads.append(name)
        return load_file(name)

    monkeypatch.setattr(yamlload, "load_file", counted)

    # Every document with a finding asks for its positions: the file is parsed again once, not 200 times.
    assert [doc.locate(("owner", "team")) for doc in documents] == [(3 * i + 3, 15) for i in range(200)]
    assert reads == [str(path)]

    # A changed file is read again.
    path.write_text("---\nname: s0\nowner:\n  team: t0\n", encoding="utf-8")
    fresh = load_file(str(path)).documents[0]
    fresh.shed(str(path))
    assert fresh.locate(("owner", "team")) == (4, 9)
    assert reads == [str(path), str(path)]


def test_read_without_positions_the_first_levels_are_kept_and_the_rest_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text(MANIFEST.replace("3.2.0", "3.10"), encoding="utf-8")
    whole = load_file(str(path))
    light = load_file(str(path), positions=False)
    assert [d.data for d in light.documents] == [d.data for d in whole.documents]
    assert problems(light) == problems(whole) == []
    doc = light.documents[0]
    # What a context document keeps (metadata and its name) is there without reading again.
    assert doc.keys == {p: at for p, at in whole.documents[0].keys.items() if len(p) <= 2}
    assert doc.values == {p: at for p, at in whole.documents[0].values.items() if len(p) <= 2}
    assert doc.origin == (str(path), 0) and doc.written == {}
    reads: list[str] = []

    def counted(name: str) -> LoadedFile:
        reads.append(name)
        return whole

    monkeypatch.setattr(yamlload, "load_file", counted)
    # Deeper positions, and how a value was spelled, come from the file when asked for.
    assert doc.spelling(("spec", "components", 0, "version")) == "3.10"
    assert doc.locate(("spec", "components", 1, "version")) == (11, 30)
    assert doc.locate_key(("spec", "purpose", "outOfScope")) == (13, 5)
    assert reads == [str(path)]


def test_a_duplicate_key_deep_in_a_file_read_without_positions_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text(
        "kind: AISystem\nspec:\n  risk:\n    tier: high\n    note: !!binary aGk=\n    tier: low\n---\na: 1\n",
        encoding="utf-8",
    )
    light, whole = load_file(str(path), positions=False), load_file(str(path))
    expected = [
        (
            "the tag '!!binary' is not allowed: Charter documents hold only plain text, numbers, booleans, "
            "dates, lists and mappings; remove the tag",
            5,
            11,
        ),
        ("duplicate key 'tier' (first at line 4, again at line 6)", 6, 5),
    ]
    assert doc_problems(light) == doc_problems(whole) == expected
    assert [d.data for d in light.documents] == [d.data for d in whole.documents]
    # Built again with every position for the first document; the second keeps only the first levels.
    assert light.documents[0].origin is None and light.documents[0].keys == whole.documents[0].keys
    assert light.documents[1].origin == (str(path), 1)


def test_an_empty_text_has_no_document_and_no_problem() -> None:
    loaded = load_text("")
    assert (loaded.documents, loaded.problems, loaded.mentions_charter) == ([], [], False)


def test_a_document_of_only_a_separator_is_empty() -> None:
    loaded = load_text("---\n")
    assert [d.data for d in loaded.documents] == [None]
    assert problems(loaded) == []


# --- invalid YAML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        (
            "kind: AISystem\nlist: [1, 2\n",
            "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2, "
            "column 7)",
            3,
            1,
        ),
        ("a: 1\n  b: 2\n", f"invalid YAML: mapping values are not allowed in this context{COLON}", 2, 4),
        ("a: b: c\n", f"invalid YAML: mapping values are not allowed in this context{COLON}", 1, 5),
        (
            "name: 'unterminated\n",
            "invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 1, "
            "column 7)",
            2,
            1,
        ),
        (
            "a:\n\t- b\n",
            "invalid YAML: found character that cannot start any token (while scanning for the next token); "
            "YAML is indented with spaces, not tabs",
            2,
            1,
        ),
        ("a: *nowhere\n", "invalid YAML: found undefined alias", 1, 4),
    ],
)
def test_invalid_yaml_is_reported_at_its_line_and_column(
    text: str, message: str, line: int, column: int
) -> None:
    loaded = load_text(text)
    assert problems(loaded) == [(message, line, column)]
    assert loaded.documents == []


def test_columns_count_characters_not_bytes() -> None:
    loaded = load_text("a: é😀x\nb: [é😀, c: d: e]\n")
    assert problems(loaded) == [
        (
            "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2, "
            "column 4)",
            2,
            13,
        )
    ]


def test_documents_before_a_broken_one_are_kept() -> None:
    loaded = load_text("a: 1\n---\nb: [\n---\nc: 3\n")
    assert [d.data for d in loaded.documents] == [{"a": 1}]
    assert problems(loaded) == [
        ("invalid YAML: did not find expected node content (while parsing a flow node)", 4, 1)
    ]


# --- encodings and files -----------------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_reported_where_they_are(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: charter/v1\nmetadata:\n  name: caf\xc3\xa9 \xff\n")

    loaded = load_file(str(path))

    # Line 3 is "  name: café " before the bad byte: 13 characters (14 bytes), so column 14.
    assert problems(loaded) == [("the file is not UTF-8 text (byte 0xff cannot be decoded)", 3, 14)]
    assert loaded.documents == []
    assert loaded.mentions_charter


def test_latin1_text_that_is_not_charters_does_not_claim_to_be(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_bytes(b"title: r\xe9sum\xe9\n")

    loaded = load_file(str(path))

    assert problems(loaded) == [("the file is not UTF-8 text (byte 0xe9 cannot be decoded)", 1, 9)]
    assert not loaded.mentions_charter


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfapiVersion: charter/v1\nkind: Evidence\n")

    loaded = load_file(str(path))

    assert problems(loaded) == []
    assert loaded.documents[0].data == {"apiVersion": "charter/v1", "kind": "Evidence"}
    assert loaded.documents[0].keys[("apiVersion",)] == (1, 1)
    assert loaded.documents[0].keys[("kind",)] == (2, 1)


def test_an_empty_file_has_no_document_and_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    loaded = load_file(str(path))
    assert (loaded.documents, loaded.problems, loaded.mentions_charter) == ([], [], False)


def test_a_file_over_the_size_limit_is_refused_without_being_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    line = b"# padding to make the file large\n"
    with path.open("wb") as handle:
        handle.write(b"apiVersion: charter/v1\nkind: AISystem\n")
        handle.write(line * (6 * 1024 * 1024 // len(line)))
    assert path.stat().st_size > MAX_BYTES

    started = time.perf_counter()
    loaded = load_file(str(path))

    assert time.perf_counter() - started < 2
    assert problems(loaded) == [("the file is 6.0 MiB, over the 5 MiB limit for Charter documents", 1, 1)]
    assert loaded.documents == []
    assert loaded.mentions_charter


def test_a_large_file_that_is_not_charters_does_not_claim_to_be(tmp_path: Path) -> None:
    path = tmp_path / "dataset.yaml"
    row = b"- {id: 1, text: a row of some data set}\n"
    path.write_bytes(row * (6 * 1024 * 1024 // len(row)))

    loaded = load_file(str(path))

    assert problems(loaded) == [("the file is 6.0 MiB, over the 5 MiB limit for Charter documents", 1, 1)]
    assert not loaded.mentions_charter


def test_a_symbolic_link_is_refused_and_not_read(tmp_path: Path) -> None:
    target = tmp_path / "target.yaml"
    target.write_text("apiVersion: charter/v1\nkind: AISystem\n", encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)

    loaded = load_file(str(link))

    assert problems(loaded) == [("the file is a symbolic link: Charter does not follow links", 1, 1)]
    assert loaded.documents == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result: list[LoadedFile] = []
    reader = threading.Thread(target=lambda: result.append(load_file(str(fifo))), daemon=True)

    reader.start()
    reader.join(5)
    if reader.is_alive():
        # Opening the other end releases a reader blocked on the pipe, so the suite goes on.
        with open(fifo, "wb"):
            pass
        reader.join(5)
        pytest.fail("load_file waited for a writer on a named pipe")

    assert problems(result[0]) == [("not a regular file: Charter reads only plain files", 1, 1)]


def test_a_file_is_read_to_its_end_when_it_has_grown_since_it_was_looked_at(tmp_path: Path) -> None:
    path = tmp_path / "grown.yaml"
    path.write_bytes(b"apiVersion: charter/v1\nkind: AISystem\n")

    # As when the file grew between the look at its directory entry and the read.
    assert _read_within(str(path), 5) == path.read_bytes()
    assert _read_within(str(path), path.stat().st_size) == path.read_bytes()


def test_a_file_that_grows_past_the_limit_gives_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlload, "MAX_BYTES", 64)
    path = tmp_path / "grown.yaml"
    path.write_bytes(b"# x\n" * 100)

    assert _read_within(str(path), 10) == 65
    assert _read_within(str(path), 400) == 400


def test_a_file_replaced_by_a_link_after_the_look_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target.yaml"
    target.write_text("apiVersion: charter/v1\n", encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)

    with pytest.raises(OSError):
        _read_within(str(link), 10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_file_replaced_by_a_named_pipe_after_the_look_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    with pytest.raises(YamlProblem, match="not a regular file"):
        _read_within(str(fifo), 10)


def test_the_signature_is_that_of_the_file_as_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "system.yaml"
    path.write_text("apiVersion: charter/v1\nkind: AISystem\n", encoding="utf-8")
    info = os.lstat(path)

    assert load_file(str(path)).signature == (info.st_size, info.st_mtime_ns, info.st_ino)
    assert load_file(str(tmp_path / "absent.yaml")).signature is None


# --- list and scalar documents, through project loading ---------------------------------------


def test_list_scalar_and_empty_documents_of_a_charter_file_are_reported(tmp_path: Path) -> None:
    (tmp_path / "shapes.yaml").write_text(
        "apiVersion: charter/v1\nkind: Policy\nmetadata: {name: p}\nrules: []\n"
        "---\n- apiVersion: charter/v1\n- kind: AISystem\n"
        "---\n42\n"
        "---\n",
        encoding="utf-8",
    )

    project = build_project([str(tmp_path)], str(tmp_path), str(tmp_path), Config(), set())

    assert [(p.file, p.line, p.column, p.message) for p in project.problems] == [
        (
            "shapes.yaml",
            6,
            1,
            "the document is a list; a Charter document is a mapping with apiVersion, kind, metadata "
            "and spec",
        ),
        (
            "shapes.yaml",
            9,
            1,
            "the document is a single value; a Charter document is a mapping with apiVersion and kind",
        ),
        # An empty document has no node of its own: it is placed where the parser finds it ends.
        (
            "shapes.yaml",
            11,
            1,
            "the document is empty; a Charter document is a mapping with apiVersion and kind",
        ),
    ]
    assert project.sources == ()


# --- duplicate keys, merge keys, anchors -------------------------------------------------------


def test_a_duplicate_key_names_both_lines_and_keeps_the_first_value() -> None:
    loaded = load_text("metadata:\n  name: first\n  title: t\n  name: second\n")

    assert problems(loaded) == []
    assert doc_problems(loaded) == [("duplicate key 'name' (first at line 2, again at line 4)", 4, 3)]
    assert loaded.documents[0].data == {"metadata": {"name": "first", "title": "t"}}
    assert loaded.documents[0].keys[("metadata", "name")] == (2, 3)


def test_a_merge_key_is_refused_and_merges_nothing() -> None:
    loaded = load_text("defaults: &d {tier: low}\nrisk:\n  <<: *d\n  rationale: r\n")

    assert doc_problems(loaded) == [
        (
            "merge keys (<<) are not allowed in Charter documents: they can hide or override values; "
            "write the keys out",
            3,
            3,
        )
    ]
    assert loaded.documents[0].data["risk"] == {"rationale": "r"}


def test_an_alias_is_refused_where_it_is_written_and_names_its_anchor() -> None:
    loaded = load_text("approvers: &gate ['@dana', '@ana']\nalso: [x, *gate]\nanchor: &unused 1\n")

    assert problems(loaded) == []
    assert doc_problems(loaded) == [
        (
            "the alias *gate repeats the value anchored at line 1, column 12: Charter documents do not "
            "allow aliases, because a change to the anchored value would silently change this one too; "
            "write the value out",
            2,
            11,
        )
    ]
    # The data is still what YAML means, for documents that are not Charter's.
    assert loaded.documents[0].data == {
        "approvers": ["@dana", "@ana"],
        "also": ["x", ["@dana", "@ana"]],
        "anchor": 1,
    }


def test_an_alias_names_the_anchor_of_its_own_document() -> None:
    loaded = load_text("a: &t high\n---\nc: &t x\nd: [*t]\n")

    assert doc_problems(loaded, 0) == []
    assert [(p.line, p.column) for p in loaded.documents[1].problems] == [(4, 5)]
    assert "*t repeats the value anchored at line 3, column 4:" in loaded.documents[1].problems[0].message


def test_an_anchor_defined_twice_in_a_document_is_invalid_yaml() -> None:
    loaded = load_text("a: &t high\nb: [&t low]\nc: *t\n")

    assert problems(loaded) == [
        ("invalid YAML: an anchor is defined a second time here, first at line 1, column 4", 2, 5)
    ]
    assert loaded.documents == []


def test_the_value_of_a_merge_key_is_reported_once_as_the_merge() -> None:
    loaded = load_text("base: &b {tier: low}\nrisk: {<<: [*b], other: *b}\n")

    assert doc_problems(loaded) == [
        (
            "merge keys (<<) are not allowed in Charter documents: they can hide or override values; "
            "write the keys out",
            2,
            8,
        ),
        (
            "the alias *b repeats the value anchored at line 1, column 7: Charter documents do not allow "
            "aliases, because a change to the anchored value would silently change this one too; write "
            "the value out",
            2,
            25,
        ),
    ]


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    text = "\n".join(lines) + "\n"  # 9 levels of 9: 387,420,489 strings once expanded

    started = time.perf_counter()
    loaded = load_text(text)
    elapsed = time.perf_counter() - started

    assert elapsed < 2
    assert loaded.documents == []
    # Reported where the first alias repeats the anchored list.
    assert problems(loaded) == [
        (
            "the document expands to more than 10000 values through aliases (an alias bomb); Charter "
            "documents do not allow aliases",
            2,
            10,
        )
    ]


# --- deep nesting and other bounds ---------------------------------------------------------------

# Charter's bounds come before any parser's own: libyaml and the pure-Python parser, with or
# without a nesting limit of their own, report the same.
PARSERS = [getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader]


@pytest.fixture(params=PARSERS, ids=lambda loader: loader.__name__)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    monkeypatch.setattr(yamlscan, "_Loader", request.param)
    return request.param


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("[" * 10_000 + "]" * 10_000, MAX_DEPTH + 2),
        ("{a: " * 10_000 + "1" + "}" * 10_000, 4 * (MAX_DEPTH + 1) + 1),
        ("[" * 10_000, MAX_DEPTH + 2),
        # Within the line the parser reads ahead, an error after the bound does not hide it.
        ("[" * (MAX_DEPTH + 10) + "@", MAX_DEPTH + 2),
    ],
    ids=["brackets", "braces", "unclosed", "invalid-after"],
)
def test_very_deep_nesting_is_refused_in_under_a_second(parser: type, text: str, column: int) -> None:
    # The pure-Python scanner alone takes about half a second to read ahead through 1,000 brackets.
    budget = 5 if parser is yaml.SafeLoader else 1
    started = time.perf_counter()
    loaded = load_text(text)
    elapsed = time.perf_counter() - started

    assert problems(loaded) == [(f"the document is nested more than {MAX_DEPTH} levels deep", 1, column)]
    assert loaded.documents == []
    assert elapsed < budget


@pytest.mark.usefixtures("parser")
def test_deep_block_nesting_is_refused_by_charter_whatever_the_parser_allows() -> None:
    # Too few openers to be checked before composing: the parser's own limit (libyaml's 1,000
    # levels, the pure-Python composer's recursion) stops it first, and Charter's bound is reported.
    text = "a: 1\n---\n" + "".join(" " * i + f"k{i}:\n" for i in range(1500)) + " " * 1500 + "v\n"

    loaded = load_text(text)

    assert [d.data for d in loaded.documents] == [{"a": 1}]
    assert problems(loaded) == [
        # The root mapping is level 0; the one that begins with k65 is level 65.
        (f"the document is nested more than {MAX_DEPTH} levels deep", 3 + MAX_DEPTH + 1, MAX_DEPTH + 2)
    ]


@pytest.mark.usefixtures("parser")
def test_a_file_of_more_documents_than_the_bound_keeps_the_first_ones() -> None:
    text = "---\na: 1\n" * (MAX_DOCUMENTS + 5)

    loaded = load_text(text)

    assert len(loaded.documents) == MAX_DOCUMENTS
    assert loaded.documents[-1].data == {"a": 1}
    # Where the first document too many starts.
    assert problems(loaded) == [
        (
            f"the file holds more than {MAX_DOCUMENTS} documents, more than any Charter file needs",
            2 * MAX_DOCUMENTS + 1,
            1,
        )
    ]
    assert problems(load_text("---\na: 1\n" * MAX_DOCUMENTS)) == []


@pytest.mark.usefixtures("parser")
def test_small_documents_share_one_budget_of_keys_and_values_per_file() -> None:
    # Each line is a document of a mapping, a key, a list and 997 numbers: 1,000 nodes.
    line = "--- {k: [" + "1," * 997 + "]}\n"
    per_document = 1000
    full = MAX_NODES // per_document
    text = line * (full + 3)

    loaded = load_text(text)

    assert len(loaded.documents) == full
    assert problems(loaded) == [
        (
            f"the file holds more than {MAX_NODES} keys and values, more than any Charter file needs",
            full + 1,
            line.index("{") + 1,
        )
    ]


def test_nesting_up_to_the_limit_is_accepted() -> None:
    levels = MAX_DEPTH + 1  # the root collection and MAX_DEPTH levels below it
    loaded = load_text("[" * levels + "]" * levels)
    assert problems(loaded) == []
    one_more = load_text("[" * (levels + 1) + "]" * (levels + 1))
    assert problems(one_more) == [
        (f"the document is nested more than {MAX_DEPTH} levels deep", 1, levels + 1)
    ]


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize("levels", [MAX_DEPTH + 2, 1000, 1500])
def test_deep_nesting_in_one_document_keeps_the_ones_before(levels: int) -> None:
    # Whether the parser composes it (libyaml up to 1,000 levels, or without a limit) or not, the
    # file is read up to the bound.
    loaded = load_text("a: 1\n---\n" + "[" * levels + "]" * levels + "\n---\nb: 2\n")
    assert [d.data for d in loaded.documents] == [{"a": 1}]
    assert problems(loaded) == [
        (f"the document is nested more than {MAX_DEPTH} levels deep", 3, MAX_DEPTH + 2)
    ]


def test_a_million_levels_neither_crash_nor_hang_the_process() -> None:
    # Composing this recursively overflows the C stack; run it apart so a crash fails only this test.
    script = (
        "from checker.yamlload import load_text\n"
        "for text in ('[' * 1_000_000, '- ' * 1_000_000 + 'x', '{a: ' * 1_000_000):\n"
        "    print([(p.line, p.column) for p in load_text(text).problems])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[(1, 66)]", "[(1, 131)]", "[(1, 261)]"]


# --- tags and typed scalars --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tag", "column", "data"),
    [
        ("run: !!python/name:os.system\n", "!!python/name:os.system", 6, {"run": ""}),
        ("run: !!python/object:os.system {}\n", "!!python/object:os.system", 6, {"run": {}}),
        (
            "run: !!python/object/apply:os.system [echo hi]\n",
            "!!python/object/apply:os.system",
            6,
            {"run": ["echo hi"]},
        ),
        (
            "!!python/object:collections.OrderedDict\nx: 1\n",
            "!!python/object:collections.OrderedDict",
            1,
            {"x": 1},
        ),
        ("who: !custom dana\n", "!custom", 6, {"who": "dana"}),
        ("who: !!binary QGRhbmE=\n", "!!binary", 6, {"who": "QGRhbmE="}),
        ("set: !!set {a, b}\n", "!!set", 6, {"set": {"a": None, "b": None}}),
    ],
)
def test_a_tag_asking_for_more_than_plain_data_is_refused(
    text: str, tag: str, column: int, data: dict[str, object]
) -> None:
    loaded = load_text(text)

    assert doc_problems(loaded) == [
        (
            f"the tag {tag!r} is not allowed: Charter documents hold only plain text, numbers, booleans, "
            "dates, lists and mappings; remove the tag",
            1,
            column,
        )
    ]
    # Nothing is constructed: what is kept is the plain text, list or mapping that was written.
    assert loaded.documents[0].data == data


def test_dates_are_dates_and_impossible_ones_stay_text() -> None:
    loaded = load_text(
        "ok: 2026-10-14\nimpossible: 2026-13-45\nfebruary: 2026-02-29\nleap: 2028-02-29\n"
        "stamp: 2026-10-14T10:00:00\n"
    )

    assert problems(loaded) == []
    assert doc_problems(loaded) == []
    assert loaded.documents[0].data == {
        "ok": dt.date(2026, 10, 14),
        "impossible": "2026-13-45",
        "february": "2026-02-29",
        "leap": dt.date(2028, 2, 29),
        # A date and time is not a date: kept as text so the schema can say so.
        "stamp": "2026-10-14T10:00:00",
    }
