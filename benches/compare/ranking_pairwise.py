#!/usr/bin/env python3
"""Learning to rank (issue 14): gbdt rank:pairwise vs XGBoost rank:pairwise.

The data, parameters, NDCG@5 definition and gbdt run of ``ranking.py``
(imported from it); XGBoost (``tree_method="hist"``, leaf-wise with the same
31 leaves, learning rate, rounds, L2, 256 bins and minimum hessian) trains
``rank:pairwise``. gbdt's rank:pairwise is RankNet over every pair of
documents with different grades; XGBoost 2+ samples pairs
(``lambdarank_pair_method``): ``mean`` with ``--pairs`` pairs per document
(default: every other document of its query, drawn with replacement) is the
closest it has, so both are reported with that setting and with XGBoost's
default (one pair per document).

    cargo build --release -p gbdt-cli
    nice -n 19 python3 benches/compare/ranking_pairwise.py --gbdt target/release/gbdt
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

from ranking import P, add_common_args, draw, ndcg_at, predict_gbdt, run_gbdt, write_csv


def run_xgboost(x, y, qid, pairs: int | None):
    """One fit: (booster, seconds)."""
    import xgboost as xgb
    params = {"objective": "rank:pairwise", "tree_method": "hist", "grow_policy": "lossguide",
              "max_leaves": P["leaves"], "max_depth": 0, "eta": P["learning_rate"],
              "lambda": P["lambda_l2"], "max_bin": P["max_bin"] + 1,
              "min_child_weight": P["min_hessian"], "nthread": P["threads"], "seed": 0}
    if pairs is not None:
        params.update({"lambdarank_pair_method": "mean", "lambdarank_num_pair_per_sample": pairs})
    t = time.perf_counter()
    d = xgb.DMatrix(x, label=y, qid=qid)
    booster = xgb.train(params, d, num_boost_round=P["rounds"])
    return booster, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(ap)
    ap.add_argument("--pairs", type=int, default=None, help="default: docs - 1")
    args = ap.parse_args()
    pairs = args.pairs or args.docs - 1

    import xgboost as xgb
    x, y, qid = draw(args.queries, args.docs, args.features, seed=1)
    xt, yt, qt = draw(args.test_queries, args.docs, args.features, seed=2)
    times = {"gbdt": [], "xgb_mean": [], "xgb_default": []}
    preds = {}
    with tempfile.TemporaryDirectory() as work:
        train, test = os.path.join(work, "train.csv"), os.path.join(work, "test.csv")
        write_csv(train, x, y, qid)
        write_csv(test, xt, yt, qt)
        for _ in range(args.repeat):
            model, fit, _, _ = run_gbdt(args.gbdt, train, test, work, "rank:pairwise")
            times["gbdt"].append(fit)
            for key, n in (("xgb_mean", pairs), ("xgb_default", None)):
                booster, fit = run_xgboost(x, y, qid, n)
                times[key].append(fit)
                preds[key] = booster.predict(xgb.DMatrix(xt, qid=qt))
        preds["gbdt"] = predict_gbdt(args.gbdt, model, test)

    names = {"gbdt": "gbdt rank:pairwise (all pairs)",
             "xgb_mean": f"XGBoost rank:pairwise, mean, {pairs} pairs/doc",
             "xgb_default": "XGBoost rank:pairwise, defaults"}
    print(f"{args.queries} train / {args.test_queries} test queries x {args.docs} docs, "
          f"{args.features} features; parameters {P}; median of {args.repeat}")
    print(f"{'model':<46} {'NDCG@5':>8} {'fit s':>8}")
    for key, name in names.items():
        print(f"{name:<46} {ndcg_at(5, yt, preds[key], qt):>8.4f} "
              f"{statistics.median(times[key]):>8.3f}")
    ratio = ndcg_at(5, yt, preds["gbdt"], qt) / ndcg_at(5, yt, preds["xgb_mean"], qt)
    print(f"gbdt / XGBoost (mean, {pairs} pairs/doc): NDCG@5 x{ratio:.4f}, fit time "
          f"x{statistics.median(times['gbdt']) / statistics.median(times['xgb_mean']):.2f}")


if __name__ == "__main__":
    main()
