"""Validation suite for the `tickets` snapshot (owner: @acme/data-platform).

Run before a snapshot is published: python data/validation/tickets.py SNAPSHOT.parquet
A non-zero exit blocks publication.
"""
from __future__ import annotations

import sys

import pandas as pd

QUEUES = 14
REQUIRED = ["ticket_id", "created_at", "language", "subject", "body", "closed_queue"]


def validate(df: pd.DataFrame) -> list[str]:
    problems = []
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        return [f"missing columns: {missing}"]
    if df["ticket_id"].duplicated().any():
        problems.append("duplicate ticket ids")
    if not df["language"].isin(["en", "de"]).all():
        problems.append("languages other than en/de present")
    if df["closed_queue"].nunique() != QUEUES:
        problems.append(f"expected {QUEUES} queues, found {df['closed_queue'].nunique()}")
    if df["body"].str.contains(r"\b\d{16}\b", regex=True).any():
        problems.append("unmasked card numbers in ticket bodies")
    return problems


if __name__ == "__main__":
    found = validate(pd.read_parquet(sys.argv[1]))
    print("\n".join(found) or "tickets: ok")
    sys.exit(1 if found else 0)
