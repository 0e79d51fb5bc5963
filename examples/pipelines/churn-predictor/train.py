"""Train the churn predictor.

    python pipelines/churn-predictor/train.py --config pipelines/churn-predictor/config.yaml

Labels a subscriber as churned when they cancel within 60 days of the
snapshot date, trains a calibrated gradient-boosting classifier and reports
lift at the top decile on the last three months.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import joblib
import yaml
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier

from acme_ml.datasets import load_snapshot
from acme_ml.growth import churn_labels, lift_at, subscriber_features


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("out/churn-predictor"))
    args = parser.parse_args()

    cfg = yaml.safe_load(args.config.read_text())
    events = load_snapshot("product-events", cfg["datasets"]["product-events"])
    accounts = load_snapshot("customer-accounts", cfg["datasets"]["customer-accounts"])

    X = subscriber_features(events, accounts, markets=cfg["markets"])
    y = churn_labels(accounts, horizon_days=cfg["horizon_days"])
    train, test = X.index < cfg["test_from"], X.index >= cfg["test_from"]

    base = HistGradientBoostingClassifier(random_state=cfg["seed"], **cfg["model"])
    model = CalibratedClassifierCV(base, method="isotonic", cv=5).fit(X[train], y[train])

    args.out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, args.out / "model.joblib")
    scores = model.predict_proba(X[test])[:, 1]
    (args.out / "evaluation.json").write_text(json.dumps({"lift_at_10pct": lift_at(y[test], scores, 0.1)}))


if __name__ == "__main__":
    main()
