"""Checks run on each uploaded supplier contract before it is summarised.

Run: python data/validation/supplier_contracts.py CONTRACT.pdf
"""
from __future__ import annotations

import sys
from pathlib import Path

from pypdf import PdfReader

MAX_PAGES = 120
MIN_CHARS_PER_PAGE = 400


def validate(path: Path) -> list[str]:
    reader = PdfReader(path)
    problems = []
    if len(reader.pages) > MAX_PAGES:
        problems.append(f"{len(reader.pages)} pages; the summariser handles up to {MAX_PAGES}")
    text = "".join(page.extract_text() or "" for page in reader.pages)
    if len(text) < MIN_CHARS_PER_PAGE * len(reader.pages):
        problems.append("too little text; probably a scan, send it to OCR first")
    return problems


if __name__ == "__main__":
    found = validate(Path(sys.argv[1]))
    print("\n".join(found) or "contract: ok")
    sys.exit(1 if found else 0)
