"""Validation suite for the `product-events` snapshot (owner: @acme/data-platform).

Run: python data/validation/product_events.py SNAPSHOT.parquet
"""
from __future__ import annotations

import sys

import pandas as pd

KNOWN_EVENTS = {"app_open", "play", "search", "download", "plan_view", "cancel_start", "cancel_abort"}


def validate(df: pd.DataFrame) -> list[str]:
    problems = []
    if not df["analytics_consent"].all():
        problems.append("events from subscribers without analytics consent")
    unknown = set(df["event"].unique()) - KNOWN_EVENTS
    if unknown:
        problems.append(f"unknown event types: {sorted(unknown)}")
    if df.duplicated(["subscriber_id", "event", "ts"]).mean() > 0.001:
        problems.append("more than 0.1% duplicate events")
    return problems


if __name__ == "__main__":
    found = validate(pd.read_parquet(sys.argv[1]))
    print("\n".join(found) or "product-events: ok")
    sys.exit(1 if found else 0)
