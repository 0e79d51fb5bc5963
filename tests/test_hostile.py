"""Hostile and broken input, end to end: what `charter check` tells the user about each case.

Every case runs the real command line in this process on a small repository holding a manifest that
passes every rule, so each finding below comes from the hostile input alone. The inputs are files in
tests/hostile/; the large ones (a 50 MB file, 10,000 levels of nesting) are written by the tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.cli import main
from checker.yamlscan import MAX_DEPTH, MAX_DOCUMENTS, MAX_NODES
from tests.conftest import AS_OF, RULES_DIR
from tests.git_helpers import variant, where

HOSTILE = Path(__file__).parent / "hostile"
CLEAN = (RULES_DIR / "_clean.yaml").read_text(encoding="utf-8")
ROUTER = "ai-systems/router.yaml"
PERF_REVIEW = "evidence/ticket-router/2026-11-02-model-performance-review.yaml"
USAGE_REVIEW = "evidence/ticket-router/2026-11-20-usage-review.yaml"
WAIVERS = (
    "  waivers:\n"
    '    - {rule: MNT001, reason: Q4 audit moved to January by the audit board, approvedBy: "@sam", '
    "expires: 2027-01-31, ticket: GOV-118}\n"
)
MB = 1024 * 1024
# Denial-of-service guards, not benchmarks: a refusal takes well under a second here.
SECONDS = 5
PEAK_BYTES = 50 * MB

Found = tuple[str, str, int, int, str, str]


@dataclass
class Outcome:
    code: int
    findings: list[Found]
    notes: list[str]


def hostile(name: str) -> str:
    return (HOSTILE / name).read_text(encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose one manifest passes every rule as of AS_OF, as the working directory."""
    root = tmp_path / "repo"
    shutil.copytree(RULES_DIR / "_repo", root)
    (root / "ai-systems").mkdir()
    (root / ROUTER).write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def add(repo: Path, name: str, folder: str = "ai-systems") -> str:
    """Copy tests/hostile/NAME into the repository; its path as findings name it."""
    target = repo / folder / Path(name).name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HOSTILE / name, target)
    return f"{folder}/{Path(name).name}"


def check(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """charter check --format json ARGS (default: .) in the current directory, as a user runs it."""
    code = main(["check", "--as-of", AS_OF.isoformat(), "--format", "json", *(args or ["."])])
    out, err = capsys.readouterr()
    report = json.loads(out)
    findings = [
        (f["rule"], f["file"], f["line"], f["column"], f["path"], f["message"]) for f in report["findings"]
    ]
    return Outcome(code, findings, err.splitlines())


def sch001(file: str, line: int, column: int, message: str, path: str = "") -> Found:
    return ("SCH001", file, line, column, path, message)


def bounded(capsys: pytest.CaptureFixture[str]) -> tuple[Outcome, float, int]:
    """charter check, how long it took, and the peak of memory it allocated in a second, traced run.

    Without the cache, so that both runs read every file; tracing slows Python down several times, so
    the time is taken on the untraced run.
    """
    started = time.perf_counter()
    outcome = check(capsys, "--no-cache", ".")
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        again = check(capsys, "--no-cache", ".")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert again == outcome
    return outcome, elapsed, peak


def in_thread(run: Callable[[], Outcome], pipes: list[Path]) -> Outcome:
    """run's outcome; fails instead of hanging if run opens one of the named pipes."""
    result: list[Outcome] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(run())
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():
        # Opening the other end releases a reader blocked on a pipe, so the suite goes on.
        for pipe in pipes:
            with contextlib.suppress(OSError):  # nobody is reading this one
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail(f"charter opened one of {[p.name for p in pipes]}, which it must never read")
    if errors:
        raise errors[0]
    return result[0]


ALIAS_BOMB = (
    "the document expands to more than 10000 values through aliases (an alias bomb); Charter documents "
    "do not allow aliases"
)
TAG = "Charter documents hold only plain text, numbers, booleans, dates, lists and mappings; remove the tag"
DECIMAL = "Charter reads numbers in plain decimal only"
LOOKS = (
    "letters of different alphabets that look alike can make one name pass for another: write the word "
    "in one alphabet"
)
INVISIBLE = "an invisible character that makes the text differ from what it looks like; remove it"
BIDI = (
    "a bidirectional control character that can make text display in a different order from the one "
    "it is read in; remove it"
)

# One hostile file beside the clean manifest, found by walking the repository: what is reported.
REFUSED = [
    # --- text that is not YAML, or not UTF-8 ------------------------------------------------------
    (
        "invalid-yaml-unclosed-bracket.yaml",
        [
            (
                16,
                16,
                "",
                "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 15, "
                "column 16)",
            )
        ],
    ),
    (
        "invalid-yaml-tab.yaml",
        [
            (
                15,
                1,
                "",
                "invalid YAML: found character that cannot start any token (while scanning for the next "
                "token); YAML is indented with spaces, not tabs",
            )
        ],
    ),
    (
        "invalid-yaml-colon.yaml",
        [
            (
                6,
                16,
                "",
                "invalid YAML: mapping values are not allowed in this context; if ': ' is part of a value, "
                "put the value in quotes, otherwise check the indentation",
            )
        ],
    ),
    # Line 6 is "  title: Caf" before the byte: 12 characters, so column 13.
    ("not-utf8.yaml", [(6, 13, "", "the file is not UTF-8 text (byte 0xe9 cannot be decoded)")]),
    ("utf16.yaml", [(1, 1, "", "the file is UTF-16 text; Charter reads UTF-8: save the file as UTF-8")]),
    # After a byte order mark, columns still count from the first character of the line.
    (
        "bom-unknown-api-version.yaml",
        [(1, 13, "", "unknown apiVersion 'charter/v9'; this version of Charter reads charter/v1")],
    ),
    (
        "top-level-list.yaml",
        [
            (
                2,
                1,
                "",
                "the document is a list; a Charter document is a mapping with apiVersion, kind, metadata "
                "and spec",
            )
        ],
    ),
    # --- duplicate keys, merge keys, aliases ------------------------------------------------------
    (
        "duplicate-key-tier.yaml",
        [
            (
                15,
                5,
                "",
                "duplicate key 'tier' (first at line 13, again at line 15)",
            )
        ],
    ),
    (
        "merge-key.yaml",
        [
            # The merge merges nothing, so the tier it would have brought is missing.
            (13, 3, "spec.risk.tier", "spec.risk.tier is required"),
            (
                14,
                5,
                "",
                "merge keys (<<) are not allowed in Charter documents: they can hide or override values; "
                "write the keys out",
            ),
        ],
    ),
    (
        "alias-hides-value.yaml",
        [
            (
                14,
                11,
                "",
                "the alias *tier repeats the value anchored at line 7, column 16: Charter documents do not "
                "allow aliases, because a change to the anchored value would silently change this one too; "
                "write the value out",
            )
        ],
    ),
    (
        "anchor-redefined.yaml",
        [(14, 19, "", "invalid YAML: an anchor is defined a second time here, first at line 13, column 16")],
    ),
    # --- tags -------------------------------------------------------------------------------------
    (
        "python-tags.yaml",
        [
            (15, 14, "", f"the tag '!!python/object/apply:os.system' is not allowed: {TAG}"),
            (16, 15, "", f"the tag '!!python/name:os.system' is not allowed: {TAG}"),
            (17, 14, "", f"the tag '!!python/object:builtins.dict' is not allowed: {TAG}"),
        ],
    ),
    (
        "foreign-tags.yaml",
        [
            (15, 18, "", f"the tag '!vault' is not allowed: {TAG}"),
            (16, 11, "", f"the tag '!Ref' is not allowed: {TAG}"),
            (19, 15, "", f"the tag '!!set' is not allowed: {TAG}"),
        ],
    ),
    ("binary.yaml", [(15, 18, "", f"the tag '!!binary' is not allowed: {TAG}")]),
    # --- dates and numbers in odd forms -----------------------------------------------------------
    (
        "date-impossible.yaml",
        [
            (
                14,
                16,
                "spec.rollback.lastDrill",
                "spec.rollback.lastDrill: input should be a real date: month must be in 1..12 "
                "(got '2026-13-45')",
            )
        ],
    ),
    (
        "text-where-date.yaml",
        [
            (
                14,
                16,
                "spec.rollback.lastDrill",
                "spec.rollback.lastDrill: input should be an ISO-8601 date (YYYY-MM-DD) (got 'last week')",
            )
        ],
    ),
    (
        "date-where-text.yaml",
        [
            (
                17,
                45,
                "spec.components[0].training.datasets[0].version",
                "spec.components[0].training.datasets[0].version: expected text, but YAML reads 2026-10-01 "
                'as a date; put it in quotes ("2026-10-01") to keep it as text',
            )
        ],
    ),
    (
        "number-exponent.yaml",
        [(14, 17, "spec.rollback.rtoMinutes", "spec.rollback.rtoMinutes: 1e400 is too large to be a number")],
    ),
    (
        "number-infinite.yaml",
        [
            (
                15,
                55,
                "spec.monitoring.signals[0].baseline",
                "spec.monitoring.signals[0].baseline: input should be a finite number (got 1.0e+400)",
            )
        ],
    ),
    (
        "number-inf.yaml",
        [
            (
                15,
                55,
                "spec.monitoring.signals[0].baseline",
                "spec.monitoring.signals[0].baseline: input should be a finite number (got .inf)",
            )
        ],
    ),
    (
        "number-nan.yaml",
        [
            (
                15,
                55,
                "spec.monitoring.signals[0].baseline",
                "spec.monitoring.signals[0].baseline: input should be a finite number (got .nan)",
            )
        ],
    ),
    (
        "number-hex.yaml",
        [
            (
                14,
                17,
                "spec.rollback.rtoMinutes",
                f"spec.rollback.rtoMinutes: 0x1F is a hexadecimal number; {DECIMAL}: write 31",
            )
        ],
    ),
    (
        "number-octal.yaml",
        [
            (
                14,
                17,
                "spec.rollback.rtoMinutes",
                f"spec.rollback.rtoMinutes: 0o17 is an octal number; {DECIMAL}: write 15",
            )
        ],
    ),
    (
        "number-leading-zero.yaml",
        [
            (
                14,
                17,
                "spec.rollback.rtoMinutes",
                "spec.rollback.rtoMinutes: 017 has a leading zero, which YAML 1.1 reads as octal (15); "
                f"{DECIMAL}: write 15, or 17 if that is what you meant",
            )
        ],
    ),
    (
        "number-underscore.yaml",
        [
            (
                14,
                17,
                "spec.rollback.rtoMinutes",
                "spec.rollback.rtoMinutes: 1_000 is a number with digit separators (_); "
                f"{DECIMAL}: write 1000",
            )
        ],
    ),
    (
        "number-base-60.yaml",
        [
            (
                14,
                17,
                "spec.rollback.rtoMinutes",
                f"spec.rollback.rtoMinutes: 1:30 is a base-60 number in YAML 1.1; {DECIMAL}: write 90",
            )
        ],
    ),
    # --- YAML 1.1 booleans and numbers where text is expected -------------------------------------
    (
        "region-no.yaml",
        [
            (
                7,
                21,
                "metadata.labels.country",
                "metadata.labels.country: expected text, but YAML reads no as the boolean false; put it in "
                'quotes ("no") to keep it as text',
            )
        ],
    ),
    (
        "booleans.yaml",
        [
            (
                16,
                17,
                "spec.components[0].supplier",
                "spec.components[0].supplier: expected text, but YAML reads on as the boolean true; put it "
                'in quotes ("on") to keep it as text',
            ),
            (
                17,
                16,
                "spec.components[0].version",
                "spec.components[0].version: expected text, but YAML reads 3.10 as the number 3.1; put it "
                'in quotes ("3.10") to keep it as text',
            ),
            (
                20,
                19,
                "spec.data[0].legalBasis",
                "spec.data[0].legalBasis: expected text, but YAML reads yes as the boolean true; put it in "
                'quotes ("yes") to keep it as text',
            ),
        ],
    ),
    # --- look-alike, invisible and control characters ---------------------------------------------
    (
        "lookalike-name.yaml",
        [
            (
                5,
                9,
                "metadata.name",
                "metadata.name: 'tick\u0435t-router' contains '\u0435' (U+0435 CYRILLIC SMALL LETTER IE) "
                f"among the Latin letters of 'tick\u0435t'; {LOOKS}",
            )
        ],
    ),
    (
        "fullwidth-name.yaml",
        [
            (
                5,
                9,
                "metadata.name",
                "metadata.name: '\uff54icket-router' contains '\uff54' "
                "(U+FF54 FULLWIDTH LATIN SMALL LETTER T), a look-alike of 't'; write the plain 't'",
            )
        ],
    ),
    (
        "zero-width-name.yaml",
        [
            (
                5,
                9,
                "metadata.name",
                f"metadata.name: 'ticket\\u200b-router' contains U+200B ZERO WIDTH SPACE, {INVISIBLE}",
            )
        ],
    ),
    (
        "zero-width-id.yaml",
        [
            (
                16,
                14,
                "spec.incidents.log[0].id",
                f"spec.incidents.log[0].id: 'INC\\u200b-42' contains U+200B ZERO WIDTH SPACE, {INVISIBLE}",
            )
        ],
    ),
    (
        "bidi-owner.yaml",
        [
            (
                15,
                18,
                "spec.ownership.accountable",
                f"spec.ownership.accountable: '@\\u202eanad' contains U+202E RIGHT-TO-LEFT OVERRIDE, {BIDI}",
            )
        ],
    ),
    # Free text too: a reviewer must read the rationale that is stored.
    (
        "bidi-rationale.yaml",
        [
            (
                14,
                16,
                "spec.risk.rationale",
                "spec.risk.rationale: 'Only \\u202ehigh-risk\\u202c decisions are automated...' contains "
                f"U+202E RIGHT-TO-LEFT OVERRIDE, {BIDI}",
            )
        ],
    ),
    (
        "control-in-component.yaml",
        [
            (
                15,
                13,
                "spec.components[0].name",
                "spec.components[0].name: 'classifier\\x1b[8m-v2' contains U+001B, a control character; "
                "remove it",
            )
        ],
    ),
]


def refused(name: str) -> list[Found]:
    """The findings REFUSED lists for tests/hostile/NAME, placed in ai-systems/."""
    return [
        sch001(f"ai-systems/{name}", line, column, message, path)
        for line, column, path, message in dict(REFUSED)[name]
    ]


@pytest.mark.parametrize("name", [name for name, _ in REFUSED])
def test_a_hostile_file_is_refused_with_a_located_message(
    repo: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    add(repo, name)

    outcome = check(capsys)

    assert outcome.findings == refused(name)
    assert (outcome.code, outcome.notes) == (1, [])


# --- encodings, empty files and document shapes ------------------------------------------------------


def test_a_byte_order_mark_is_accepted_and_the_evidence_after_it_counts(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without the evidence in the file that starts with a byte order mark, MNT001 would report the
    # weekly usage review as not done.
    (repo / USAGE_REVIEW).unlink()
    assert (HOSTILE / "bom-evidence.yaml").read_bytes().startswith(b"\xef\xbb\xbf")
    add(repo, "bom-evidence.yaml", "evidence/ticket-router")

    outcome = check(capsys)

    assert (outcome.code, outcome.findings, outcome.notes) == (0, [], [])


def test_text_that_is_not_ascii_but_reads_as_it_looks_is_accepted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An emoji sequence joined by U+200D and an accented letter, in the summary of evidence that counts.
    (repo / USAGE_REVIEW).unlink()
    add(repo, "emoji-summary.yaml", "evidence/ticket-router")

    outcome = check(capsys)

    assert (outcome.code, outcome.findings, outcome.notes) == (0, [], [])


@pytest.mark.parametrize("name", ["empty.yaml", "comments-only.yaml"])
def test_a_file_without_documents_is_noted_when_named_and_left_alone_when_walked(
    repo: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    file = add(repo, name)

    named = check(capsys, file)
    walked = check(capsys)
    # Named again once the cache holds the file as the walk read it: the note is still given.
    again = check(capsys, file)

    assert (named.code, named.findings) == (0, [])
    assert named.notes == [f"charter: note: {file}: empty, no Charter document in it"]
    assert (walked.code, walked.findings, walked.notes) == (0, [], [])
    assert again == named


def test_a_single_value_is_refused_when_named_and_is_not_charters_when_walked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = add(repo, "top-level-scalar.yaml")

    named = check(capsys, file)
    walked = check(capsys)

    assert named.findings == [
        sch001(
            file,
            1,
            1,
            "the document is a single value; a Charter document is a mapping with apiVersion and kind",
        )
    ]
    assert (named.code, named.notes) == (1, [])
    # Plain text that names no Charter apiVersion is some other tool's YAML.
    assert (walked.code, walked.findings, walked.notes) == (0, [], [])


# --- duplicate keys -------------------------------------------------------------------------------


def test_a_duplicate_key_is_refused_in_either_order(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    swap = {"high": "low", "low": "high"}
    weaker_first = re.sub(
        r"tier: (high|low)", lambda m: f"tier: {swap[m[1]]}", hostile("duplicate-key-tier.yaml")
    )
    assert where(weaker_first, "tier: low") < where(weaker_first, "tier: high")
    (repo / "ai-systems" / "swapped.yaml").write_text(weaker_first, encoding="utf-8")

    outcome = check(capsys)

    assert outcome.findings == [
        sch001(
            "ai-systems/swapped.yaml",
            15,
            5,
            "duplicate key 'tier' (first at line 13, again at line 15)",
        )
    ]
    assert outcome.code == 1


def test_evidence_with_a_duplicate_date_counts_for_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its second performedAt is fresh; were it taken, the monthly review would count as done.
    (repo / PERF_REVIEW).unlink()
    file = add(repo, "duplicate-key-evidence.yaml", "evidence/ticket-router")

    outcome = check(capsys)

    assert outcome.findings == [
        (
            "MNT001",
            ROUTER,
            *where(CLEAN, "{activity: model-performance-review"),
            "spec.maintenance[2]",
            "ticket-router has maintenance without recent evidence: no evidence that the monthly "
            "model-performance-review was ever done",
        ),
        sch001(
            file,
            12,
            3,
            "duplicate key 'performedAt' (first at line 9, again at line 12)",
        ),
    ]
    assert outcome.code == 1


# --- tags ------------------------------------------------------------------------------------------


def test_a_python_tag_never_runs_anything(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add(repo, "python-tags.yaml")
    assert "!!python/object/apply:os.system [touch PWNED]" in hostile("python-tags.yaml")

    outcome = check(capsys)

    assert outcome.findings == refused("python-tags.yaml")
    assert not (repo / "PWNED").exists()


# --- alias bombs, deep nesting and huge files -----------------------------------------------------


def test_an_alias_bomb_is_refused_quickly_with_bounded_memory(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = add(repo, "alias-bomb.yaml")
    assert (repo / file).stat().st_size < 1024

    outcome, elapsed, peak = bounded(capsys)

    assert outcome.findings == [sch001(file, 5, 10, ALIAS_BOMB)]
    assert outcome.code == 1
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


HEADER = "apiVersion: charter/v1\nkind: AISystem\nspec:\n"
# Under spec (level 1), x's value is level 2: the one refused is MAX_DEPTH - 1 openers further on.
FLOW_LISTS = "  x: " + "[" * 10_000 + "]" * 10_000 + "\n"
FLOW_LISTS_REFUSED = (4, 6 + (MAX_DEPTH - 1))


@pytest.mark.parametrize(
    ("body", "where_refused"),
    [
        (FLOW_LISTS, FLOW_LISTS_REFUSED),
        ("  x: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", (4, 6 + 4 * (MAX_DEPTH - 1))),
        # Block style: "- - - ..." nests a list in a list on one line, 10,000 times.
        ("  x:\n    " + "- " * 10_000 + "x\n", (5, 5 + 2 * (MAX_DEPTH - 1))),
        # Block mappings nest by indentation, so 2,000 levels already take 2 MB; the mapping that
        # begins with k64 is level 65, one too deep.
        (
            "".join(" " * (2 + i) + f"k{i}:\n" for i in range(2000)) + " " * 2002 + "v\n",
            (4 + MAX_DEPTH, 3 + MAX_DEPTH),
        ),
    ],
    ids=["flow-lists", "flow-mappings", "block-lists", "block-mappings"],
)
def test_very_deep_nesting_is_refused_quickly_with_bounded_memory(
    repo: Path, capsys: pytest.CaptureFixture[str], body: str, where_refused: tuple[int, int]
) -> None:
    (repo / "ai-systems" / "deep.yaml").write_text(HEADER + body, encoding="utf-8")

    outcome, elapsed, peak = bounded(capsys)

    assert outcome.findings == [
        sch001(
            "ai-systems/deep.yaml",
            *where_refused,
            f"the document is nested more than {MAX_DEPTH} levels deep",
        )
    ]
    assert outcome.code == 1
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


# The mapping, apiVersion, kind, spec and x, keys and values, come first: nine of them.
@pytest.mark.parametrize(
    ("body", "where_refused"),
    [
        # 1.2 MB, one value a line.
        ("  x:\n" + "    - 1\n" * 150_000, (5 + MAX_NODES - 9, 7)),
        # Just under the size limit: 2.4 million values in one flow list.
        ("  x: [" + "1," * 2_400_000 + "]\n", (4, 7 + 2 * (MAX_NODES - 9))),
    ],
    ids=["block-list", "flow-list"],
)
def test_a_document_of_too_many_values_is_refused_quickly_with_bounded_memory(
    repo: Path, capsys: pytest.CaptureFixture[str], body: str, where_refused: tuple[int, int]
) -> None:
    (repo / "ai-systems" / "long.yaml").write_text(HEADER + body, encoding="utf-8")
    assert (repo / "ai-systems" / "long.yaml").stat().st_size < 5 * MB

    outcome, elapsed, peak = bounded(capsys)

    assert outcome.findings == [
        sch001(
            "ai-systems/long.yaml",
            *where_refused,
            f"the file holds more than {MAX_NODES} keys and values, more than any Charter file needs",
        )
    ]
    assert outcome.code == 1
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


# Files just under the size limit, of shapes that cost the most per byte. The Charter document
# comes last, so that only the bound is reported: the file is Charter's, and nothing after the
# bound is read.
CHARTER_LAST = "---\napiVersion: charter/v1\n"
ALMOST_5_MB = 5 * MB - 1024


def almost_5_mb(unit: str) -> str:
    return unit * (ALMOST_5_MB // len(unit)) + CHARTER_LAST


DOCUMENTS = f"the file holds more than {MAX_DOCUMENTS} documents, more than any Charter file needs"
NODES = f"the file holds more than {MAX_NODES} keys and values, more than any Charter file needs"


@pytest.mark.parametrize(
    ("text", "where_refused", "message"),
    [
        # 580,000 documents: the first one too many starts at its '---'.
        (almost_5_mb("---\na: 1\n"), (2 * MAX_DOCUMENTS + 1, 1), DOCUMENTS),
        (almost_5_mb("--- {a: 1}\n"), (MAX_DOCUMENTS + 1, 1), DOCUMENTS),
        # One list of tiny mappings: the list, then a mapping, a key and a value per line.
        (
            almost_5_mb("- {a: 1}\n"),
            ((MAX_NODES - 1) // 3 + 1, (3, 4, 7)[(MAX_NODES - 1) % 3]),
            NODES,
        ),
        # The mapping, then a key and a value per line: the value on line MAX_NODES // 2 is one too many.
        ("".join(f"k{i}: 1\n" for i in range(MAX_NODES)) + CHARTER_LAST, (MAX_NODES // 2, 9), NODES),
        # An alias is a value too.
        ("a: &a x\nb:\n" + "- *a\n" * 1_000_000 + CHARTER_LAST, (MAX_NODES - 2, 3), NODES),
    ],
    ids=["tiny-documents", "tiny-flow-documents", "tiny-mappings", "keys", "aliases"],
)
def test_a_file_of_many_small_parts_is_refused_quickly(
    repo: Path, capsys: pytest.CaptureFixture[str], text: str, where_refused: tuple[int, int], message: str
) -> None:
    (repo / "ai-systems" / "many.yaml").write_text(text, encoding="utf-8")
    assert (repo / "ai-systems" / "many.yaml").stat().st_size < 5 * MB

    # Memory is measured for all of them at once, in test_the_refusals_keep_the_whole_process_small.
    started = time.perf_counter()
    outcome = check(capsys, "--no-cache", ".")
    elapsed = time.perf_counter() - started

    assert outcome.findings == [sch001("ai-systems/many.yaml", *where_refused, message)]
    assert outcome.code == 1
    assert elapsed < SECONDS


def test_a_5_mb_string_is_read_quickly_with_bounded_memory(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "x: " + "a" * ALMOST_5_MB + "\n" + CHARTER_LAST
    (repo / "ai-systems" / "long.yaml").write_text(text, encoding="utf-8")

    outcome, elapsed, peak = bounded(capsys)

    assert outcome.findings == [
        sch001(
            "ai-systems/long.yaml",
            3,
            1,
            "unknown kind 'None'; Charter documents are AISystem, Evidence, Directory or Policy",
        )
    ]
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


def write_50_mb(path: Path, head: bytes) -> None:
    line = b"# padding that makes the file far larger than any manifest needs to be\n"
    with path.open("wb") as handle:
        handle.write(head)
        for _ in range(50 * MB // len(line) + 1):
            handle.write(line)
    assert path.stat().st_size > 50 * MB


def test_a_50_mb_manifest_is_refused_by_its_size_quickly_with_bounded_memory(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_50_mb(repo / "ai-systems" / "huge.yaml", b"apiVersion: charter/v1\nkind: AISystem\n")

    outcome, elapsed, peak = bounded(capsys)

    assert outcome.findings == [
        sch001(
            "ai-systems/huge.yaml", 1, 1, "the file is 50.0 MiB, over the 5 MiB limit for Charter documents"
        )
    ]
    assert (outcome.code, outcome.notes) == (1, [])
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


def test_a_50_mb_yaml_file_that_is_not_charters_is_skipped_with_a_note(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_50_mb(repo / "dataset.yaml", b"rows:\n")

    outcome, elapsed, peak = bounded(capsys)

    assert (outcome.code, outcome.findings) == (0, [])
    assert outcome.notes == [
        "charter: note: dataset.yaml: skipped, not a Charter file and not readable as YAML (the file is "
        "50.0 MiB, over the 5 MiB limit for Charter documents)"
    ]
    assert elapsed < SECONDS
    assert peak < PEAK_BYTES


@pytest.mark.skipif(sys.platform == "win32", reason="needs the resource module")
def test_the_refusals_keep_the_whole_process_small(repo: Path) -> None:
    # tracemalloc sees only what Python allocates; the resident size also counts libyaml's memory.
    add(repo, "alias-bomb.yaml")
    (repo / "ai-systems" / "deep-flow.yaml").write_text(HEADER + FLOW_LISTS, encoding="utf-8")
    deep_block = HEADER + "  x:\n    " + "- " * 10_000 + "x\n"
    (repo / "ai-systems" / "deep-block.yaml").write_text(deep_block, encoding="utf-8")
    (repo / "ai-systems" / "long.yaml").write_text(
        HEADER + "  x: [" + "1," * 2_400_000 + "]\n", encoding="utf-8"
    )
    write_50_mb(repo / "ai-systems" / "huge.yaml", HEADER.encode())
    for name, unit in [("documents", "---\na: 1\n"), ("mappings", "- {a: 1}\n"), ("aliases", "- *a\n")]:
        text = almost_5_mb(unit)
        (repo / "ai-systems" / f"many-{name}.yaml").write_text(
            "a: &a x\nb:\n" + text if name == "aliases" else text
        )
    (repo / "ai-systems" / "string.yaml").write_text("x: " + "a" * ALMOST_5_MB + "\n" + CHARTER_LAST)
    script = f"""
import contextlib, io, json, resource, sys
from checker.cli import main

def run(*paths):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["check", "--no-cache", "--as-of", "{AS_OF}", "--format", "json", *paths])
    return code, json.loads(out.getvalue())

run("{ROUTER}")  # the clean manifest alone loads every module a check needs
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code, report = run(".")
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
files = sorted({{f["file"] for f in report["findings"] if f["severity"] == "error"}})
print(json.dumps({{"code": code, "files": files, "grown": grown}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert (seen["code"], seen["files"]) == (
        1,
        [
            f"ai-systems/{name}.yaml"
            for name in (
                "alias-bomb",
                "deep-block",
                "deep-flow",
                "huge",
                "long",
                "many-aliases",
                "many-documents",
                "many-mappings",
                "string",
            )
        ],
    )
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    grown = seen["grown"] if sys.platform == "darwin" else seen["grown"] * 1024
    assert grown < PEAK_BYTES


# --- symbolic links and refs that leave the repository --------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the repository."""
    path = tmp_path / "outside"
    path.mkdir()
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_link_named_on_the_command_line_is_refused_without_reading_its_target(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Reading a named pipe waits for a writer that never comes: any read of the target would hang.
    os.mkfifo(outside / "system.yaml")
    (repo / "ai-systems" / "linked.yaml").symlink_to(outside / "system.yaml")

    outcome = in_thread(lambda: check(capsys, "ai-systems/linked.yaml"), [outside / "system.yaml"])

    assert outcome.findings == [sch004("ai-systems/linked.yaml", outside / "system.yaml")]
    assert (outcome.code, outcome.notes) == (1, [])


def sch004(file: str, target: Path) -> Found:
    message = (
        f"{file} is a symbolic link to '{target}': Charter never follows links, so nothing it leads to "
        "is checked; commit the files themselves in its place"
    )
    return ("SCH004", file, 1, 1, "", message)


def test_links_met_while_walking_are_sch004_and_never_read(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Were either target read, its broken manifest would be a finding.
    shutil.copyfile(HOSTILE / "duplicate-key-tier.yaml", outside / "system.yaml")
    (repo / "ai-systems" / "linked.yaml").symlink_to(outside / "system.yaml")
    (repo / "linked-dir").symlink_to(outside, target_is_directory=True)

    outcome = check(capsys)

    assert (outcome.code, outcome.notes) == (1, [])
    assert outcome.findings == [
        sch004("ai-systems/linked.yaml", outside / "system.yaml"),
        sch004("linked-dir", outside),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_refs_that_leave_the_repository_are_refused_without_reading_their_targets(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every target exists, so a check that followed the refs would pass them; they are pipes, so one
    # that opened them would hang.
    for name in ("runbook.md", "decision.md", "report.md"):
        os.mkfifo(outside / name)
    (repo / "linked-docs").symlink_to(outside, target_is_directory=True)
    text = hostile("refs-leave-the-repository.yaml")
    (repo / ROUTER).write_text(text, encoding="utf-8")
    evidence = add(repo, "evidence-artifact-outside.yaml", "evidence/ticket-router")

    outcome = in_thread(
        lambda: check(capsys), [outside / n for n in ("runbook.md", "decision.md", "report.md")]
    )

    prefix = "ticket-router refers to a file that is not there: "
    assert outcome.findings == [
        (
            "SCH003",
            ROUTER,
            *where(text, "linked-docs/decision.md"),
            "spec.lifecycle.decisionRecord",
            f"{prefix}spec.lifecycle.decisionRecord 'linked-docs/decision.md' leads out of the repository "
            "through a symbolic link",
        ),
        (
            "SCH003",
            ROUTER,
            *where(text, "../outside/runbook.md"),
            "spec.rollback.runbook",
            f"{prefix}spec.rollback.runbook '../outside/runbook.md' leaves the repository",
        ),
        (
            "SCH003",
            ROUTER,
            *where(text, "/etc/passwd"),
            "spec.incidents.runbook",
            f"{prefix}spec.incidents.runbook '/etc/passwd' is an absolute path; refs are relative to the "
            "repository root",
        ),
        (
            "SCH003",
            evidence,
            11,
            15,
            "spec.artifacts[0]",
            f"{prefix}spec.artifacts[0] '../../outside/report.md' leaves the repository",
        ),
        sch004("linked-docs", outside),
    ]
    assert outcome.code == 1
    assert outcome.notes == []


# --- look-alike names --------------------------------------------------------------------------------


def test_a_look_alike_system_borrows_neither_the_real_ones_evidence_nor_its_waiver(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The real system has no evidence of its monthly performance review and no waiver; the look-alike
    # (a Cyrillic e in ticket) waives MNT001 and brings evidence for itself and, under a look-alike
    # activity, for the real system.
    real = variant(WAIVERS, "")
    (repo / ROUTER).write_text(real, encoding="utf-8")
    (repo / PERF_REVIEW).unlink()
    manifest = add(repo, "lookalike/ai-systems/lookalike.yaml")
    own = add(repo, "lookalike/evidence/lookalike-perf-review.yaml", "evidence")
    borrowed = add(repo, "lookalike/evidence/lookalike-activity.yaml", "evidence")
    assert "tick\u0435t-router" in hostile("lookalike/ai-systems/lookalike.yaml")
    assert "rule: MNT001" in hostile("lookalike/ai-systems/lookalike.yaml")

    outcome = check(capsys)

    assert outcome.findings == [
        sch001(
            manifest,
            5,
            9,
            "metadata.name: 'tick\u0435t-router' contains '\u0435' (U+0435 CYRILLIC SMALL LETTER IE) among "
            f"the Latin letters of 'tick\u0435t'; {LOOKS}",
            "metadata.name",
        ),
        (
            "MNT001",
            ROUTER,
            *where(real, "{activity: model-performance-review"),
            "spec.maintenance[2]",
            "ticket-router has maintenance without recent evidence: no evidence that the monthly "
            "model-performance-review was ever done",
        ),
        sch001(
            borrowed,
            8,
            13,
            "spec.activity: 'model-perform\u0430nce-review' contains '\u0430' "
            f"(U+0430 CYRILLIC SMALL LETTER A) among the Latin letters of 'perform\u0430nce'; {LOOKS}",
            "spec.activity",
        ),
        sch001(
            own,
            7,
            11,
            "spec.system: 'tick\u0435t-router' contains '\u0435' (U+0435 CYRILLIC SMALL LETTER IE) among the "
            f"Latin letters of 'tick\u0435t'; {LOOKS}",
            "spec.system",
        ),
    ]
    assert outcome.code == 1


# --- one broken file hides nothing ------------------------------------------------------------------


def test_every_broken_file_and_the_valid_manifests_finding_are_all_reported(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = variant("    onCall: https://pager.example.com/support-ml\n", "")
    (repo / ROUTER).write_text(text, encoding="utf-8")
    broken = [
        "alias-bomb.yaml",
        "bidi-owner.yaml",
        "duplicate-key-tier.yaml",
        "invalid-yaml-unclosed-bracket.yaml",
        "not-utf8.yaml",
        "python-tags.yaml",
        "top-level-list.yaml",
        "utf16.yaml",
    ]
    for name in broken:
        add(repo, name)
    (repo / "ai-systems" / "deep.yaml").write_text(HEADER + FLOW_LISTS, encoding="utf-8")
    write_50_mb(repo / "ai-systems" / "huge.yaml", b"apiVersion: charter/v1\n")

    outcome = check(capsys)

    expected = [finding for name in broken if name != "alias-bomb.yaml" for finding in refused(name)]
    expected += [
        sch001("ai-systems/alias-bomb.yaml", 5, 10, ALIAS_BOMB),
        sch001(
            "ai-systems/deep.yaml",
            *FLOW_LISTS_REFUSED,
            f"the document is nested more than {MAX_DEPTH} levels deep",
        ),
        sch001(
            "ai-systems/huge.yaml", 1, 1, "the file is 50.0 MiB, over the 5 MiB limit for Charter documents"
        ),
        (
            "OWN002",
            ROUTER,
            *where(text, "ownership:"),
            "spec.ownership.onCall",
            "ticket-router cannot be reached when it misbehaves: spec.ownership.onCall is missing",
        ),
    ]
    assert outcome.findings == sorted(expected, key=lambda f: (f[1], f[2], f[3], f[0], f[5]))
    assert (outcome.code, outcome.notes) == (1, [])
