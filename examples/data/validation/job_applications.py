"""Validation suite for the `job-applications` snapshot (owner: @acme/people-data).

Run: python data/validation/job_applications.py SNAPSHOT.parquet
"""
from __future__ import annotations

import sys

import pandas as pd

FORBIDDEN = {"photo", "date_of_birth", "nationality", "marital_status"}


def validate(df: pd.DataFrame) -> list[str]:
    problems = []
    leaked = FORBIDDEN & set(df.columns)
    if leaked:
        problems.append(f"fields that must be removed before scoring: {sorted(leaked)}")
    if df["cv_text"].str.len().lt(200).mean() > 0.02:
        problems.append("more than 2% of CVs parsed to under 200 characters")
    if df["source"].value_counts(normalize=True).max() > 0.6:
        problems.append("one source supplies more than 60% of applications")
    return problems


if __name__ == "__main__":
    found = validate(pd.read_parquet(sys.argv[1]))
    print("\n".join(found) or "job-applications: ok")
    sys.exit(1 if found else 0)
