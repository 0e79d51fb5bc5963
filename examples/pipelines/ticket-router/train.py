"""Train the ticket router classifier.

    python pipelines/ticket-router/train.py --config pipelines/ticket-router/config.yaml

Reads the versioned tickets snapshot named in the config, fine-tunes the
multilingual encoder, evaluates on the held-out month and writes the model
plus an evaluation summary to the output directory.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import torch
import yaml
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

from acme_ml.datasets import load_snapshot
from acme_ml.metrics import macro_f1, per_language_f1


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("out/ticket-router"))
    args = parser.parse_args()

    cfg = yaml.safe_load(args.config.read_text())
    seed_everything(cfg["seed"])

    train, holdout = load_snapshot(cfg["data"]["dataset"], cfg["data"]["version"], split_by="month")
    tokenizer = AutoTokenizer.from_pretrained(cfg["model"]["base"])
    model = AutoModelForSequenceClassification.from_pretrained(
        cfg["model"]["base"], num_labels=len(cfg["queues"])
    )

    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=str(args.out), seed=cfg["seed"], **cfg["training"]),
        train_dataset=train.tokenize(tokenizer),
        eval_dataset=holdout.tokenize(tokenizer),
    )
    trainer.train()

    predictions = trainer.predict(holdout.tokenize(tokenizer))
    summary = {
        "macro_f1": macro_f1(holdout.labels, predictions),
        "f1_by_language": per_language_f1(holdout, predictions),
        "dataset_version": cfg["data"]["version"],
        "seed": cfg["seed"],
    }
    trainer.save_model(str(args.out / "model"))
    (args.out / "evaluation.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
