#!/usr/bin/env python3
"""Learning to rank (issue 14): gbdt rank:ndcg vs LightGBM lambdarank.

Draws seeded query groups (default 2000 training and 500 test queries of 50
documents, 20 features in [-1, 1); relevance grades 0..4 from a nonlinear
score of 6 features plus noise, the other 14 pure noise), writes them as CSV
with a ``query`` column, trains the ``gbdt`` CLI (``--group query``) and
LightGBM (``objective=lambdarank``) with the same parameters, and prints
held-out NDCG@5 of both, computed here from each model's test predictions
with one definition (LightGBM's: gain ``2^label - 1``, discount
``1/log2(position + 2)``, ties in row order, a query without relevant
documents scores 1), and fit times (median of ``--repeat`` runs).

Parameters shared by both (see ``P``): leaf-wise trees with 31 leaves and no
depth limit, learning rate 0.1, 100 rounds, L2 1.0, 255 bins (gbdt's
``max_bin`` counts its missing-value bin too: 256), minimum hessian sum in a
leaf 1e-3, truncation level 30, 2 threads. gbdt has no ``min_data_in_leaf``:
LightGBM runs with ``min_data_in_leaf=1`` (the same rule: no count limit)
and, for reference, with its default 20.

Fit time: LightGBM from numpy arrays to a trained booster (Dataset binning
included); gbdt the binning and boosting times its ``--report-json`` gives
(``bin_s + train_s``), and the whole ``gbdt train`` process (CSV parsing and
model saving included) for reference. ``OMP_WAIT_POLICY`` defaults to
``PASSIVE`` here (see ``main``).

    cargo build --release -p gbdt-cli
    nice -n 19 python3 benches/compare/ranking.py --gbdt target/release/gbdt
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time

import numpy as np

P = {"leaves": 31, "learning_rate": 0.1, "rounds": 100, "lambda_l2": 1.0, "max_bin": 255,
     "min_hessian": 1e-3, "truncation": 30, "threads": 2}


def draw(queries: int, docs: int, features: int, seed: int):
    """Features, grades 0..4 and query ids (contiguous)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(queries * docs, features))
    s = (1.2 * x[:, 0] + np.sin(2 * x[:, 1]) + x[:, 2] * x[:, 3] + 0.8 * np.abs(x[:, 4])
         - 0.6 * x[:, 5] ** 2)
    # A query-level shift: grades depend on the query too, as in real data.
    shift = np.repeat(rng.normal(0.0, 0.5, queries), docs)
    y = np.clip(np.floor(s + shift + rng.normal(0.0, 0.5, len(s)) + 1.5), 0, 4)
    qid = np.repeat(np.arange(queries), docs)
    return x, y, qid


def write_csv(path: str, x: np.ndarray, y: np.ndarray, qid: np.ndarray) -> None:
    header = ",".join(["query"] + [f"x{j}" for j in range(x.shape[1])] + ["grade"])
    cols = np.column_stack([qid, x, y])
    fmt = ["%d"] + ["%.6g"] * x.shape[1] + ["%d"]
    np.savetxt(path, cols, delimiter=",", header=header, comments="", fmt=fmt)


def ndcg_at(k: int, y: np.ndarray, score: np.ndarray, qid: np.ndarray) -> float:
    """Mean NDCG@k over queries, LightGBM's definition."""
    bounds = np.flatnonzero(np.diff(qid)) + 1
    total, n = 0.0, 0
    disc = 1.0 / np.log2(np.arange(k) + 2.0)
    for ys, ss in zip(np.split(y, bounds), np.split(score, bounds)):
        gains = 2.0 ** ys - 1.0
        ideal = np.sort(gains)[::-1][:k]
        best = (ideal * disc[: len(ideal)]).sum()
        if best <= 0:
            total += 1.0
        else:
            order = np.argsort(-ss, kind="stable")[:k]
            total += (gains[order] * disc[: len(order)]).sum() / best
        n += 1
    return total / n


def cpu_s(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def run_gbdt(binary: str, train: str, test: str, work: str, objective: str = "rank:ndcg"):
    """One fit: (model path, bin + train seconds, wall seconds, CPU seconds)."""
    model = os.path.join(work, "model.gbdt")
    report = os.path.join(work, "report.json")
    cmd = [binary, "train", train, "--target", "grade", "--group", "query",
           "--objective", objective, "--rounds", str(P["rounds"]),
           "--learning-rate", str(P["learning_rate"]), "--grow-policy", "lossguide",
           "--max-leaves", str(P["leaves"]), "--max-depth", "0",
           "--max-bin", str(P["max_bin"] + 1), "--lambda", str(P["lambda_l2"]),
           "--min-child-weight", str(P["min_hessian"]),
           "--lambdarank-truncation-level", str(P["truncation"]), "--eval-at", "5",
           "--threads", str(P["threads"]), "--no-train-metrics", "--quiet",
           "-o", model, "--report-json", report]
    c, t = cpu_s(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(cmd, check=True)
    wall, cpu = time.perf_counter() - t, cpu_s(resource.RUSAGE_CHILDREN) - c
    with open(report) as f:
        timings = json.load(f)["timings"]
    return model, timings["bin_s"] + timings["train_s"], wall, cpu


def predict_gbdt(binary: str, model: str, test: str) -> np.ndarray:
    out = subprocess.run([binary, "predict", model, test, "--group", "query",
                          "--threads", str(P["threads"])],
                         check=True, capture_output=True, text=True)
    return np.array([float(v) for v in out.stdout.split()[1:]])


def run_lightgbm(x, y, qid, min_data: int):
    """One fit: (booster, seconds, CPU seconds of this process)."""
    import lightgbm as lgb
    params = {"objective": "lambdarank", "num_leaves": P["leaves"], "max_depth": -1,
              "learning_rate": P["learning_rate"], "lambda_l2": P["lambda_l2"],
              "max_bin": P["max_bin"], "min_sum_hessian_in_leaf": P["min_hessian"],
              "min_data_in_leaf": min_data, "lambdarank_truncation_level": P["truncation"],
              "num_threads": P["threads"], "verbose": -1, "seed": 0, "deterministic": True,
              "force_col_wise": True}
    c, t = cpu_s(resource.RUSAGE_SELF), time.perf_counter()
    ds = lgb.Dataset(x, label=y, group=np.bincount(qid),
                     params={"max_bin": P["max_bin"], "verbose": -1})
    booster = lgb.train(params, ds, num_boost_round=P["rounds"])
    return booster, time.perf_counter() - t, cpu_s(resource.RUSAGE_SELF) - c


def add_common_args(ap: argparse.ArgumentParser) -> None:
    """The binary, the data's shape and the repeats (also ranking_pairwise.py's)."""
    ap.add_argument("--gbdt", default="target/release/gbdt")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--test-queries", type=int, default=500)
    ap.add_argument("--docs", type=int, default=50)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)


def main() -> None:
    # LightGBM's OpenMP threads spin while they wait; on a shared, loaded
    # machine that made a 10k-row fit 10x slower. Passive waiting is what
    # a fair comparison on few shared cores needs (override by setting it).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(ap)
    args = ap.parse_args()

    x, y, qid = draw(args.queries, args.docs, args.features, seed=1)
    xt, yt, qt = draw(args.test_queries, args.docs, args.features, seed=2)
    # Runs alternate (gbdt, LightGBM, LightGBM 20, gbdt, ...) so that the
    # load of a shared machine falls on all of them alike.
    times = {"gbdt": [], "lgb1": [], "lgb20": []}
    cpus = {"gbdt": [], "lgb1": [], "lgb20": []}
    walls = []
    with tempfile.TemporaryDirectory() as work:
        train, test = os.path.join(work, "train.csv"), os.path.join(work, "test.csv")
        write_csv(train, x, y, qid)
        write_csv(test, xt, yt, qt)
        for _ in range(args.repeat):
            model, fit, wall, cpu = run_gbdt(args.gbdt, train, test, work)
            times["gbdt"].append(fit)
            cpus["gbdt"].append(cpu)
            walls.append(wall)
            for key, min_data in (("lgb1", 1), ("lgb20", 20)):
                booster, fit, cpu = run_lightgbm(x, y, qid, min_data)
                times[key].append(fit)
                cpus[key].append(cpu)
                if key == "lgb1":
                    l_pred = booster.predict(xt, num_threads=P["threads"])
                else:
                    l20_pred = booster.predict(xt, num_threads=P["threads"])
        g_pred = predict_gbdt(args.gbdt, model, test)

    med = {k: statistics.median(v) for k, v in times.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    rows = [
        ("constant (all scores equal)", ndcg_at(5, yt, np.zeros(len(yt)), qt), None),
        ("gbdt rank:ndcg", ndcg_at(5, yt, g_pred, qt), "gbdt"),
        ("LightGBM lambdarank, min_data_in_leaf=1", ndcg_at(5, yt, l_pred, qt), "lgb1"),
        ("LightGBM lambdarank, min_data_in_leaf=20", ndcg_at(5, yt, l20_pred, qt), "lgb20"),
    ]
    print(f"{args.queries} train / {args.test_queries} test queries x {args.docs} docs, "
          f"{args.features} features; parameters {P}; median of {args.repeat}")
    print(f"{'model':<42} {'NDCG@5':>8} {'fit s':>8} {'CPU s':>8}")
    for name, v, k in rows:
        t = f"{med[k]:.3f}" if k else ""
        c = f"{cpu[k]:.3f}" if k else ""
        print(f"{name:<42} {v:>8.4f} {t:>8} {c:>8}")
    print(f"gbdt whole `gbdt train` process (CSV parse + save included): "
          f"{statistics.median(walls):.3f} s; its CPU s include CSV parsing")
    ratio = ndcg_at(5, yt, g_pred, qt) / ndcg_at(5, yt, l_pred, qt)
    print(f"gbdt / LightGBM (min_data_in_leaf=1): NDCG@5 x{ratio:.4f}, "
          f"fit time x{med['gbdt'] / med['lgb1']:.2f}")


if __name__ == "__main__":
    main()
