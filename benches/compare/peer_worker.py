"""One timed XGBoost or LightGBM run, in its own process.

compare.py starts this script once per repeat so that every run starts cold
(no cached DMatrix / Dataset), and so that the parent can read the peak
memory of the run from the child's rusage, the same way it does for the gbdt
binary.

Usage: python3 peer_worker.py SPEC.json RESULT.json

The spec says which engine, which parameters and which files.  The result
JSON holds the phase timings (seconds, time.perf_counter):

  load_s       pandas.read_csv of the train CSV + conversion to a float32 matrix
  construct_s  DMatrix/QuantileDMatrix (XGBoost) or Dataset (LightGBM) construction
  train_s      the boosting rounds
  fit_s        construct_s + train_s (compared with gbdt's bin_s + train_s)
  save_s       writing the model file
  e2e_s        load_s + fit_s + save_s (CSV to saved model; imports excluded)
  predict_s    prediction on the in-memory float32 test matrix (test CSV
               loading excluded, as gbdt's predict_s excludes it)
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd


def load_xy(path: str, label: str = "y"):
    df = pd.read_csv(path)
    y = df[label].to_numpy()
    X = np.ascontiguousarray(df.drop(columns=[label]).to_numpy(dtype=np.float32))
    return X, y


def xgb_params(spec: dict) -> dict:
    p = {
        "tree_method": "hist",
        "max_bin": spec["max_bin"],
        "nthread": spec["threads"],
        "eta": spec["learning_rate"],
        "lambda": spec["lambda"],
        "alpha": 0.0,
        "gamma": 0.0,
        "min_child_weight": spec["min_child_weight"],
        "max_delta_step": 0.0,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "seed": 0,
        "verbosity": 0,
    }
    if spec["regime"] == "depthwise":
        p.update(grow_policy="depthwise", max_depth=spec["max_depth"])
    else:
        p.update(grow_policy="lossguide", max_leaves=spec["max_leaves"], max_depth=0)
    kind = spec["kind"]
    if kind == "binary":
        p["objective"] = "binary:logistic"
    elif kind == "regression":
        p["objective"] = "reg:squarederror"
    else:
        p.update(objective="multi:softprob", num_class=spec["num_class"])
    return p


def lgb_params(spec: dict) -> dict:
    p = {
        "learning_rate": spec["learning_rate"],
        "max_bin": spec["lgb_max_bin"],
        "num_threads": spec["threads"],
        "lambda_l2": spec["lambda"],
        "lambda_l1": 0.0,
        "min_gain_to_split": 0.0,
        # XGBoost's min_child_weight is a minimum hessian sum.
        "min_sum_hessian_in_leaf": spec["min_child_weight"],
        # XGBoost has no row-count limit per leaf; LightGBM's default is 20.
        "min_data_in_leaf": spec["lgb_min_data_in_leaf"],
        "max_delta_step": 0.0,
        "bagging_fraction": 1.0,
        "bagging_freq": 0,
        "feature_fraction": 1.0,
        "boost_from_average": True,
        "seed": 0,
        "verbosity": -1,
    }
    if spec["regime"] == "depthwise":
        p.update(max_depth=spec["max_depth"], num_leaves=2 ** spec["max_depth"])
    else:
        p.update(max_depth=-1, num_leaves=spec["max_leaves"])
    kind = spec["kind"]
    if kind == "binary":
        p["objective"] = "binary"
    elif kind == "regression":
        p["objective"] = "regression"
    else:
        p.update(objective="multiclass", num_class=spec["num_class"])
    mt = spec.get("lgb_multithreading")
    if mt == "col-wise":
        p["force_col_wise"] = True
    elif mt == "row-wise":
        p["force_row_wise"] = True
    return p


class _Capture:
    def __init__(self):
        self.messages: list[str] = []

    def info(self, msg):
        self.messages.append(str(msg))

    def warning(self, msg):
        self.messages.append(str(msg))


def lgb_probe(spec: dict) -> dict:
    """Let LightGBM auto-choose col-wise vs row-wise on this data and report
    which it picked (the timed runs then force that choice, so they do not pay
    the testing overhead)."""
    import lightgbm as lgb

    cap = _Capture()
    lgb.register_logger(cap)
    X, y = load_xy(spec["train_csv"])
    p = lgb_params({**spec, "lgb_multithreading": None})
    p["verbosity"] = 1
    ds = lgb.Dataset(X, y, params=p)
    lgb.train(p, ds, num_boost_round=1)
    choice, overhead = None, None
    for m in cap.messages:
        if "Auto-choosing" in m:
            choice = "col-wise" if "col-wise" in m else "row-wise"
            try:
                overhead = float(m.split("testing was")[1].split("seconds")[0])
            except (IndexError, ValueError):
                pass
    return {"lgb_multithreading": choice, "lgb_probe_overhead_s": overhead}


def run(spec: dict) -> dict:
    engine = spec["engine"]
    if engine == "lightgbm" and spec.get("probe"):
        return lgb_probe(spec)

    out: dict = {}
    t0 = time.perf_counter()
    X, y = load_xy(spec["train_csv"])
    t1 = time.perf_counter()
    out["load_s"] = t1 - t0

    if engine == "xgboost":
        import xgboost as xgb

        params = xgb_params(spec)
        t1 = time.perf_counter()
        dtrain = xgb.QuantileDMatrix(X, y, max_bin=spec["max_bin"], nthread=spec["threads"])
        t2 = time.perf_counter()
        booster = xgb.train(params, dtrain, num_boost_round=spec["rounds"])
        t3 = time.perf_counter()
        booster.save_model(spec["model_path"])
        t4 = time.perf_counter()
    elif engine == "lightgbm":
        import lightgbm as lgb

        params = lgb_params(spec)
        t1 = time.perf_counter()
        dtrain = lgb.Dataset(X, y, params=params, free_raw_data=True)
        dtrain.construct()
        t2 = time.perf_counter()
        booster = lgb.train(params, dtrain, num_boost_round=spec["rounds"])
        t3 = time.perf_counter()
        booster.save_model(spec["model_path"])
        t4 = time.perf_counter()
    else:
        raise SystemExit(f"peer_worker: unknown engine {engine!r}")

    out.update(
        construct_s=t2 - t1,
        train_s=t3 - t2,
        fit_s=t3 - t1,
        save_s=t4 - t3,
        e2e_s=(t4 - t1) + out["load_s"],
        params=params,
    )
    del dtrain, X, y

    if spec.get("test_csv"):
        t5 = time.perf_counter()
        Xte, _ = load_xy(spec["test_csv"])
        t6 = time.perf_counter()
        if engine == "xgboost":
            pred = booster.inplace_predict(Xte)
        else:
            pred = booster.predict(Xte, num_threads=spec["threads"])
        t7 = time.perf_counter()
        out.update(test_load_s=t6 - t5, predict_s=t7 - t6, test_rows=int(Xte.shape[0]))
        if spec.get("pred_path"):
            np.save(spec["pred_path"], np.asarray(pred, dtype=np.float64))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        spec = json.load(f)
    result = run(spec)
    with open(argv[2], "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
