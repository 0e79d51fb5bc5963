"""Validation suite for the `customer-accounts` snapshot (owner: @acme/data-platform).

Used by the credit limit recommender and the churn predictor.
Run: python data/validation/customer_accounts.py SNAPSHOT.parquet
"""
from __future__ import annotations

import sys

import pandas as pd


def validate(df: pd.DataFrame) -> list[str]:
    problems = []
    if df["account_id"].duplicated().any():
        problems.append("duplicate account ids")
    if (df["tenure_months"] < 0).any():
        problems.append("negative tenure")
    if df["opened_at"].max() > df["snapshot_date"].max():
        problems.append("accounts opened after the snapshot date")
    share_missing_income = df["declared_income"].isna().mean()
    if share_missing_income > 0.05:
        problems.append(f"declared income missing for {share_missing_income:.1%} of accounts")
    if {"age", "sex", "nationality"} & set(df.columns):
        problems.append("protected attributes must live in the audit table, not the snapshot")
    return problems


if __name__ == "__main__":
    found = validate(pd.read_parquet(sys.argv[1]))
    print("\n".join(found) or "customer-accounts: ok")
    sys.exit(1 if found else 0)
