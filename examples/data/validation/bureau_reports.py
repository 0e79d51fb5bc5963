"""Validation suite for the `bureau-reports` snapshot (owner: @acme/credit-data).

Run: python data/validation/bureau_reports.py SNAPSHOT.parquet
"""
from __future__ import annotations

import sys

import pandas as pd

MAX_AGE_DAYS = 30


def validate(df: pd.DataFrame) -> list[str]:
    problems = []
    age = (df["decision_date"] - df["pulled_at"]).dt.days
    if (age > MAX_AGE_DAYS).any():
        problems.append(f"{(age > MAX_AGE_DAYS).sum()} reports older than {MAX_AGE_DAYS} days at decision")
    if not df["bureau_score"].between(0, 1000).all():
        problems.append("bureau score outside 0-1000")
    if df.duplicated(["account_id", "pulled_at"]).any():
        problems.append("duplicate pulls")
    return problems


if __name__ == "__main__":
    found = validate(pd.read_parquet(sys.argv[1]))
    print("\n".join(found) or "bureau-reports: ok")
    sys.exit(1 if found else 0)
