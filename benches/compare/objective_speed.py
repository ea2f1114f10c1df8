"""Training time per round of every objective against reg:squarederror (issue
14's speed check; not run in CI).

One seeded feature matrix (``--rows`` rows, 10 features in [-1, 1)) with a
label column per objective, written once as CSV; ``gbdt train`` runs each
objective with the same tree parameters (depth 6, 256 bins, learning rate
0.1, ``--rounds`` rounds, 2 threads), ``--repeat`` times in turn (A B C ...
A B C ...), and the script prints the median of the report's ``train_s``
(boosting only: reading and binning excluded) and its ratio to squared
error. Quantile regression with three levels grows three trees a round, so
its time is also given per tree. Ranking objectives use queries of 50
consecutive rows (``--group``).

With ``--peers``, LightGBM (regression, lambdarank) and XGBoost
(reg:squarederror, rank:ndcg, rank:pairwise) train on the same matrix and
labels with the same parameters (depth 6, LightGBM 64 leaves and 255 bins
plus its missing bin, XGBoost ``hist`` with 256 bins; learning rate 0.1, 2
threads; truncation level 30: LightGBM's ``lambdarank_truncation_level``,
XGBoost's ``topk`` pairs; XGBoost's rank:pairwise samples 49 pairs per
document, its closest to every pair), timed from a built dataset to a
trained booster, so each table says what the peer's ranking costs per round
against its own regression: what is inherent in a pair loss.

With ``--baseline OTHER_GBDT``, a second gbdt binary (say, the build
before a change) trains each objective right after the first, and a third
table gives each objective's time against the baseline's, pair by pair.

    cargo build --release -p gbdt-cli
    python3 benches/compare/objective_speed.py --gbdt target/release/gbdt [--peers]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np

# (name, objective, label column, extra flags, trees per round)
RUNS = [
    ("reg:squarederror", "reg:squarederror", "y_reg", [], 1),
    ("reg:tweedie", "reg:tweedie", "y_count", [], 1),
    ("reg:gamma", "reg:gamma", "y_pos", [], 1),
    ("binary:logitraw", "binary:logitraw", "y_bin", [], 1),
    ("reg:absoluteerror", "reg:absoluteerror", "y_reg", [], 1),
    ("reg:quantileerror 0.5", "reg:quantileerror", "y_reg", ["--quantile-alpha", "0.5"], 1),
    ("reg:quantileerror 0.1,0.5,0.9", "reg:quantileerror", "y_reg",
     ["--quantile-alpha", "0.1,0.5,0.9"], 3),
    ("rank:ndcg", "rank:ndcg", "y_grade", ["--group", "qid"], 1),
    ("rank:pairwise", "rank:pairwise", "y_grade", ["--group", "qid"], 1),
]
LABELS = ["y_reg", "y_count", "y_pos", "y_bin", "y_grade", "qid"]


def write_data(path: str, rows: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(rows, 10))
    eta = 0.3 + 1.2 * x[:, 0] - 1.0 * x[:, 1] + 0.8 * x[:, 2] * x[:, 3]
    mu = np.exp(eta)
    cols = {
        "y_reg": 2 * eta + rng.normal(0, 0.5 + np.abs(x[:, 4]), rows),
        "y_count": rng.poisson(mu) * rng.gamma(2.0, 0.5, rows),
        "y_pos": rng.gamma(3.0, mu / 3.0),
        "y_bin": (rng.uniform(size=rows) < 1 / (1 + np.exp(-eta + 0.3))).astype(float),
        "y_grade": np.clip(np.floor(eta + 1.5 + rng.normal(0, 0.5, rows)), 0, 4),
        "qid": np.arange(rows) // 50,
    }
    header = ",".join([f"x{j}" for j in range(10)] + LABELS)
    table = np.column_stack([x] + [cols[c] for c in LABELS])
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt="%.6g")
    # What the CSV holds (6 significant digits), for the peers.
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return {"x": table[:, :10], **{c: table[:, 10 + i] for i, c in enumerate(LABELS)}}


def train_s(gbdt: str, data: str, work: str, run: tuple, rounds: int) -> float:
    _, objective, label, extra, _ = run
    report = os.path.join(work, "report.json")
    drop = ",".join(c for c in LABELS if c != label and not (c == "qid" and "--group" in extra))
    cmd = [gbdt, "train", data, "-t", label, "--drop", drop, "--objective", objective,
           "--rounds", str(rounds), "--max-depth", "6", "--max-bin", "256",
           "--learning-rate", "0.1", "--threads", "2", "--quiet",
           "-o", os.path.join(work, "m.gbdt"), "--report-json", report] + extra
    subprocess.run(cmd, check=True)
    with open(report) as f:
        return json.load(f)["timings"]["train_s"]


# (name, library, objective, label column, extra parameters)
PEERS = [
    ("LightGBM regression", "lightgbm", "regression", "y_reg", {}),
    ("LightGBM lambdarank", "lightgbm", "lambdarank", "y_grade",
     {"lambdarank_truncation_level": 30}),
    ("XGBoost reg:squarederror", "xgboost", "reg:squarederror", "y_reg", {}),
    ("XGBoost rank:ndcg", "xgboost", "rank:ndcg", "y_grade",
     {"lambdarank_pair_method": "topk", "lambdarank_num_pair_per_sample": 30}),
    ("XGBoost rank:pairwise", "xgboost", "rank:pairwise", "y_grade",
     {"lambdarank_pair_method": "mean", "lambdarank_num_pair_per_sample": 49}),
]


def peer_seconds(peer: tuple, cols: dict[str, np.ndarray], rounds: int) -> float:
    """Seconds from a built dataset to a trained booster."""
    _, library, objective, label, extra = peer
    x, y, ranking = cols["x"], cols[label], label == "y_grade"
    qid = cols["qid"].astype(np.int64)
    if library == "lightgbm":
        import lightgbm as lgb
        params = {"objective": objective, "max_depth": 6, "num_leaves": 64,
                  "learning_rate": 0.1, "max_bin": 255, "num_threads": 2, "verbose": -1,
                  "seed": 0, "deterministic": True, "force_col_wise": True, **extra}
        ds = lgb.Dataset(x, label=y, group=np.bincount(qid) if ranking else None,
                         params={"max_bin": 255, "verbose": -1}).construct()
        t = time.perf_counter()
        lgb.train(params, ds, num_boost_round=rounds)
    else:
        import xgboost as xgb
        params = {"objective": objective, "tree_method": "hist", "max_depth": 6,
                  "max_bin": 256, "eta": 0.1, "nthread": 2, "seed": 0, **extra}
        d = xgb.QuantileDMatrix(x, label=y, qid=qid if ranking else None, max_bin=256)
        t = time.perf_counter()
        xgb.train(params, d, num_boost_round=rounds)
    return time.perf_counter() - t


def print_table(title: str, names: list[str], times: dict[str, list[float]], rounds: int,
                trees: dict[str, int]) -> None:
    base = statistics.median(times[names[0]])
    print(title)
    print("| objective | train s | ms / round | ratio to squared error | per tree |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in names:
        t = statistics.median(times[name])
        print(f"| {name} | {t:.2f} | {1000 * t / rounds:.1f} | {t / base:.2f}x "
              f"| {t / base / trees.get(name, 1):.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gbdt", default="target/release/gbdt")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--peers", action="store_true",
                    help="also time LightGBM's and XGBoost's regression and ranking")
    ap.add_argument("--baseline", help="a second gbdt binary, timed in turn with --gbdt")
    args = ap.parse_args()
    peers = PEERS if args.peers else []
    # Idle OpenMP workers sleep instead of spinning on a shared machine.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "d.csv")
        cols = write_data(data, args.rows, args.seed)
        times: dict[str, list[float]] = {r[0]: [] for r in RUNS + peers}
        base: dict[str, list[float]] = {r[0]: [] for r in RUNS}
        for _ in range(args.repeat):
            for run in RUNS:
                times[run[0]].append(train_s(args.gbdt, data, work, run, args.rounds))
                if args.baseline:
                    base[run[0]].append(train_s(args.baseline, data, work, run, args.rounds))
            for peer in peers:
                times[peer[0]].append(peer_seconds(peer, cols, args.rounds))
    print(f"{args.rows} rows x 10 features, {args.rounds} rounds, depth 6, 2 threads, "
          f"median of {args.repeat}")
    print_table("gbdt (train_s of --report-json)", [r[0] for r in RUNS], times, args.rounds,
                {r[0]: r[4] for r in RUNS})
    if args.baseline:
        print()
        print_table(f"baseline {args.baseline}", [r[0] for r in RUNS], base, args.rounds,
                    {r[0]: r[4] for r in RUNS})
        print()
        print("| objective | against the baseline (median of pair ratios) |")
        print("| --- | ---: |")
        for name in [r[0] for r in RUNS]:
            ratio = statistics.median(a / b for a, b in zip(times[name], base[name]))
            print(f"| {name} | {ratio:.3f}x |")
    for library in sorted({p[1] for p in peers}):
        names = [p[0] for p in peers if p[1] == library]
        print()
        print_table(f"{library} (dataset built beforehand)", names, times, args.rounds, {})


if __name__ == "__main__":
    main()
