"""A file's result as the cache keeps it: the same bytes whether its data is encoded or left as it is."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from checker.cachestore import dump
from checker.charter_documents import read_file
from checker.stored_results import from_plain, to_plain

EVIDENCE = """\
apiVersion: charter/v1
kind: Evidence
metadata:
  name: audit-2026
spec:
  system: router
  activity: audit
  performedAt: 2026-03-01
  findings:
    - {id: F-1, status: open, due: 2026-06-30}
"""


def as_encoded(path: Path) -> tuple[bytes, bytes]:
    """The stored bytes of the file at path as read, and as they are with every value encoded."""
    result = read_file(str(path), path.name, True)
    encoded = dataclasses.replace(result, sources=[dataclasses.replace(s) for s in result.sources])
    for source in encoded.sources:
        source.doc = dataclasses.replace(source.doc, plain=False)
    return dump(to_plain(result)), dump(to_plain(encoded))


@pytest.mark.parametrize(
    ("name", "text", "plain", "number_keys"),
    [
        ("dates", EVIDENCE, True, False),
        ("number keys", EVIDENCE + "  extra:\n    7: seven\n", True, True),
        ("escaped NUL", EVIDENCE + '  extra: "\\0 starts with NUL"\n', False, False),
        ("not ASCII", EVIDENCE + "  extra: café\n", False, False),
    ],
)
def test_data_left_as_it_is_is_stored_as_encoded_and_read_back_the_same(
    tmp_path: Path, name: str, text: str, plain: bool, number_keys: bool
) -> None:
    path = tmp_path / "evidence.yaml"
    path.write_text(text, encoding="utf-8")
    (source,) = read_file(str(path), path.name, True).sources
    assert (source.doc.plain, source.doc.number_keys) == (plain, number_keys)

    stored, encoded = as_encoded(path)

    assert stored == encoded
    (back,) = from_plain(json.loads(stored), path.name, None).sources
    assert back.data == source.data
    assert back.data["spec"]["performedAt"] == dt.date(2026, 3, 1)
    if number_keys:
        assert back.data["spec"]["extra"] == {7: "seven"}
