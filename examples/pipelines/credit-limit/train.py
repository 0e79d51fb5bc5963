"""Train the credit limit model (gradient-boosted quantile regression).

    python pipelines/credit-limit/train.py --config pipelines/credit-limit/config.yaml

Builds features from the three snapshots named in the config, trains one
model per quantile so the recommendation comes with an interval, and checks
the monotonic constraints before writing the artefact.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import yaml

from acme_ml.credit import build_features, check_monotonic, reason_codes
from acme_ml.datasets import load_snapshot


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("out/credit-limit"))
    args = parser.parse_args()

    cfg = yaml.safe_load(args.config.read_text())
    np.random.seed(cfg["seed"])

    frames = {name: load_snapshot(name, version) for name, version in cfg["datasets"].items()}
    X, y, meta = build_features(frames, as_of=cfg["as_of"])
    train, valid = meta.split_by_date(cfg["validation_from"])

    models = {}
    for q in cfg["quantiles"]:
        params = dict(cfg["lightgbm"], objective="quantile", alpha=q, seed=cfg["seed"])
        models[q] = lgb.train(params, lgb.Dataset(X[train], y[train]), valid_sets=[lgb.Dataset(X[valid], y[valid])])

    check_monotonic(models[0.5], cfg["monotone"])
    args.out.mkdir(parents=True, exist_ok=True)
    for q, model in models.items():
        model.save_model(str(args.out / f"q{int(q * 100)}.txt"))
    (args.out / "reason_codes.json").write_text(json.dumps(reason_codes(models[0.5], X.columns), indent=2))


if __name__ == "__main__":
    main()
