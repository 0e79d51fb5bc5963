"""Validation suite for the `card-transactions` snapshot (owner: @acme/data-platform).

Run: python data/validation/card_transactions.py SNAPSHOT.parquet
"""
from __future__ import annotations

import sys

import pandas as pd


def validate(df: pd.DataFrame) -> list[str]:
    problems = []
    if not (df["status"] == "settled").all():
        problems.append("pending or reversed transactions present")
    if (df["amount_eur"] <= 0).any():
        problems.append("non-positive amounts")
    if df["pan"].notna().any():
        problems.append("raw card numbers present; only the token column is allowed")
    daily = df.groupby(df["settled_at"].dt.date).size()
    if (daily < 0.5 * daily.median()).any():
        problems.append("days with less than half the usual volume (missing files?)")
    return problems


if __name__ == "__main__":
    found = validate(pd.read_parquet(sys.argv[1]))
    print("\n".join(found) or "card-transactions: ok")
    sys.exit(1 if found else 0)
