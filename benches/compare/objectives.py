"""gbdt vs XGBoost on the issue-14 objectives (not run in CI).

Draws seeded log-linear data like gbdt-core's end-to-end tests (5 features in
[-1, 1), mean ``exp(0.3 + 1.2 x0 - 1.0 x1 + 0.8 x2)``, 2 noise features),
writes it as CSV, trains the ``gbdt`` CLI and XGBoost (``tree_method="hist"``)
with the same parameters, and prints the held-out metrics of both, computed
here from each model's predictions with one definition:

- reg:tweedie: Tweedie labels (power 1.5, dispersion 2), ``tweedie-nloglik@1.5``;
- reg:gamma: gamma labels (shape 3), ``gamma-nloglik`` and ``gamma-deviance``;
- binary:logitraw: Bernoulli labels with logit ``log(mu) - 0.3``, AUC and
  logloss of the sigmoid of the raw outputs;
- reg:absoluteerror: ``2 log(mu)`` plus uniform noise and +20 outliers on
  10% of the rows, MAE;
- reg:quantileerror at levels 0.1, 0.5, 0.9: ``log(mu)`` plus normal noise
  whose spread ``0.5 + |x1|`` varies (heteroscedastic), the pinball loss of
  each level and their mean (XGBoost's ``quantile`` metric). gbdt sorts a
  row's quantiles; XGBoost's outputs are scored as it predicts them.

    cargo build --release -p gbdt-cli
    python3 benches/compare/objectives.py --gbdt target/release/gbdt --rows 20000

reg:quantileerror, 20,000 rows, XGBoost 3.2 (gbdt vs XGBoost, held out):
pinball@0.1 0.17612 vs 0.17630, @0.5 0.39928 vs 0.39972, @0.9 0.17646 vs
0.17647, mean 0.25062 vs 0.25083 (-0.08%).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import tempfile

import numpy as np
import xgboost as xgb

PARAMS = {"rounds": 150, "eta": 0.05, "max_depth": 3, "max_bin": 256, "lambda": 1.0}
ALPHAS = [0.1, 0.5, 0.9]


def draw(kind: str, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(rows, 5))
    eta = 0.3 + 1.2 * x[:, 0] - 1.0 * x[:, 1] + 0.8 * x[:, 2]
    mu = np.exp(eta)
    if kind == "reg:tweedie":
        # Compound Poisson-gamma: Poisson(sqrt(mu)) claims, each exponential
        # with mean sqrt(mu): mean mu, power 1.5, dispersion 2.
        n = rng.poisson(np.sqrt(mu))
        y = np.array([rng.exponential(np.sqrt(m), k).sum() for m, k in zip(mu, n)])
    elif kind == "reg:gamma":
        y = rng.gamma(3.0, mu / 3.0)
    elif kind == "reg:absoluteerror":
        # 2 eta plus uniform noise, and +20 on 10% of the rows: the median
        # and the mean differ.
        y = 2 * eta + rng.uniform(-0.5, 0.5, rows) + 20.0 * (rng.uniform(size=rows) < 0.1)
    elif kind == "reg:quantileerror":
        y = eta + (0.5 + np.abs(x[:, 1])) * rng.normal(size=rows)
    else:
        y = (rng.uniform(size=rows) < 1.0 / (1.0 + np.exp(-(eta - 0.3)))).astype(float)
    return x, y


def write_csv(path: str, x: np.ndarray, y: np.ndarray) -> None:
    header = ",".join([f"x{j}" for j in range(x.shape[1])] + ["y"])
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="", fmt="%.6g")


def run_gbdt(binary: str, kind: str, train: str, test: str, work: str) -> np.ndarray:
    model = os.path.join(work, "model.gbdt")
    subprocess.run(
        [binary, "train", train, "--target", "y", "--objective", kind,
         "--rounds", str(PARAMS["rounds"]), "--learning-rate", str(PARAMS["eta"]),
         "--max-depth", str(PARAMS["max_depth"]), "--max-bin", str(PARAMS["max_bin"]),
         "--lambda", str(PARAMS["lambda"]), "-o", model, *extra_flags(kind)],
        check=True, capture_output=True,
    )
    out = subprocess.run([binary, "predict", model, test], check=True, capture_output=True, text=True)
    p = np.loadtxt(io.StringIO(out.stdout), delimiter=",", skiprows=1, ndmin=2)
    return p[:, 0] if p.shape[1] == 1 else p


def extra_flags(kind: str) -> list[str]:
    if kind == "reg:quantileerror":
        return ["--quantile-alpha", ",".join(map(str, ALPHAS))]
    return []


def run_xgboost(kind: str, x: np.ndarray, y: np.ndarray, xt: np.ndarray) -> np.ndarray:
    params = {"objective": kind, "eta": PARAMS["eta"], "max_depth": PARAMS["max_depth"],
              "max_bin": PARAMS["max_bin"], "lambda": PARAMS["lambda"], "tree_method": "hist",
              "nthread": 2, "seed": 0}
    if kind == "reg:tweedie":
        params["tweedie_variance_power"] = 1.5
    if kind == "reg:quantileerror":
        params["quantile_alpha"] = ALPHAS
    booster = xgb.train(params, xgb.DMatrix(x, label=y), PARAMS["rounds"])
    return booster.predict(xgb.DMatrix(xt))


def metrics(kind: str, y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    if kind == "reg:tweedie":
        rho = 1.5
        return {"tweedie-nloglik@1.5": float(np.mean(
            -y * p ** (1 - rho) / (1 - rho) + p ** (2 - rho) / (2 - rho)))}
    if kind == "reg:absoluteerror":
        return {"mae": float(np.mean(np.abs(y - p)))}
    if kind == "reg:quantileerror":
        d = y[:, None] - p
        a = np.array(ALPHAS)
        loss = np.where(d >= 0, a * d, (a - 1) * d).mean(axis=0)
        out = {f"pinball@{al}": float(v) for al, v in zip(ALPHAS, loss)}
        out["quantile"] = float(loss.mean())
        return out
    if kind == "reg:gamma":
        r = y / (p + 1e-9)
        return {"gamma-nloglik": float(np.mean(y / p + np.log(p))),
                "gamma-deviance": float(np.mean(2 * (r - np.log(r) - 1)))}
    prob = np.clip(1.0 / (1.0 + np.exp(-p)), 1e-15, 1 - 1e-15)
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    auc = (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
    return {"auc": float(auc),
            "logloss": float(-np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob)))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gbdt", default="target/release/gbdt")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--only", help="one objective, e.g. reg:quantileerror")
    args = ap.parse_args()
    kinds = ["reg:tweedie", "reg:gamma", "binary:logitraw", "reg:absoluteerror", "reg:quantileerror"]
    print(f"{'objective':<18} {'metric':<20} {'gbdt':>10} {'xgboost':>10} {'diff %':>7}")
    for i, kind in enumerate(kinds):
        if args.only and kind != args.only:
            continue
        x, y = draw(kind, args.rows, args.seed + 2 * i)
        xt, yt = draw(kind, args.rows // 2, args.seed + 2 * i + 1)
        with tempfile.TemporaryDirectory() as work:
            train, test = os.path.join(work, "train.csv"), os.path.join(work, "test.csv")
            write_csv(train, x, y)
            write_csv(test, xt, yt)
            ours = metrics(kind, yt, run_gbdt(os.path.abspath(args.gbdt), kind, train, test, work))
        theirs = metrics(kind, yt, run_xgboost(kind, x, y, xt))
        for name, v in ours.items():
            diff = 100 * (v - theirs[name]) / abs(theirs[name])
            print(f"{kind:<18} {name:<20} {v:>10.5f} {theirs[name]:>10.5f} {diff:>+7.2f}")


if __name__ == "__main__":
    main()
