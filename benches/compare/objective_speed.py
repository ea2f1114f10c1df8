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

    cargo build --release -p gbdt-cli
    python3 benches/compare/objective_speed.py --gbdt target/release/gbdt
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile

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


def write_data(path: str, rows: int, seed: int) -> None:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gbdt", default="target/release/gbdt")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "d.csv")
        write_data(data, args.rows, args.seed)
        times: dict[str, list[float]] = {r[0]: [] for r in RUNS}
        for _ in range(args.repeat):
            for run in RUNS:
                times[run[0]].append(train_s(args.gbdt, data, work, run, args.rounds))
    base = statistics.median(times[RUNS[0][0]])
    print(f"{args.rows} rows x 10 features, {args.rounds} rounds, depth 6, 2 threads, "
          f"median of {args.repeat}")
    print("| objective | train s | ms / round | ratio to squared error | per tree |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, _, _, _, trees in RUNS:
        t = statistics.median(times[name])
        print(f"| {name} | {t:.2f} | {1000 * t / args.rounds:.1f} | {t / base:.2f}x "
              f"| {t / base / trees:.2f}x |")


if __name__ == "__main__":
    main()
