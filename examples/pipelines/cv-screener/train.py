"""Train the CV ranking model.

    python pipelines/cv-screener/train.py --config pipelines/cv-screener/config.yaml

Parses CVs into structured features (photos, dates of birth and the fields
listed under `drop_fields` are removed first), trains a pairwise ranker per
vacancy family and writes parity by age band next to the model.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import lightgbm as lgb
import yaml

from acme_ml.datasets import load_snapshot
from acme_ml.fairness import top_quartile_ratio
from acme_ml.talent import parse_cvs, ranking_groups


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("out/cv-screener"))
    args = parser.parse_args()

    cfg = yaml.safe_load(args.config.read_text())
    applications = load_snapshot("job-applications", cfg["dataset_version"])
    X, y, groups, audit = parse_cvs(applications, drop_fields=cfg["drop_fields"])
    train, test = ranking_groups(groups, test_share=cfg["test_share"], seed=cfg["seed"])

    ranker = lgb.LGBMRanker(random_state=cfg["seed"], **cfg["ranker"])
    ranker.fit(X[train], y[train], group=groups[train].sizes())

    args.out.mkdir(parents=True, exist_ok=True)
    ranker.booster_.save_model(str(args.out / "ranker.txt"))
    parity = top_quartile_ratio(ranker.predict(X[test]), groups[test], audit["age_band"][test])
    (args.out / "fairness.json").write_text(json.dumps(parity, indent=2))


if __name__ == "__main__":
    main()
