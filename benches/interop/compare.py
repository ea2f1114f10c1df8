#!/usr/bin/env python3
"""Acceptance check of issue 12 (not run in CI; versions in requirements.txt).

1. Import: trains XGBoost and LightGBM models (every objective gbdt reads,
   both grow policies, categorical features) on seeded data with missing
   values, saves them with the libraries' predictions, and scores them with
   gbdt: with `--gbdt PATH` through `gbdt predict MODEL input.csv`, else
   through the Rust hook
   `cargo test -p gbdt-io --test it foreign::check_models_in_interop_dir`.
2. Export: with `--gbdt`, `gbdt train` fits a model for every objective and
   both grow policies on a CSV with a text categorical column, `gbdt convert
   --to xgboost-json` exports it, `xgboost.Booster` loads it and predicts
   the same rows (category names turned into gbdt's codes, read from
   `gbdt inspect --json`), compared with `gbdt predict`. Without `--gbdt`,
   the Rust hook `foreign::write_exported_models` writes the models.
3. `--speed`: scores 250k rows with a 200-tree imported model: XGBoost
   `inplace_predict` and LightGBM `predict` on 2 threads, against `gbdt
   predict --threads 2` (its prediction time from `--report-json`, and its
   whole run including reading the CSV) with `--gbdt`, else against the
   Rust hook `foreign::time_prediction`.

Prints per model the largest |gbdt - library| and, for XGBoost models, the
largest |gbdt - the library's own leaves summed in float64|: XGBoost adds
its trees in float32, so on unbounded outputs (regression values, counts,
raw margins) with many trees its own result is only float32-precise, and
gbdt (which adds in float64) matches the float64 sum instead. A model
passes when either difference is at most 1e-6; the script exits 1 if one
does not.
Run from the repository root:
    python3 benches/interop/compare.py [--gbdt target/release/gbdt] [--speed]
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402

TOLERANCE = 1e-6

XGB_OBJECTIVES = [
    ("binary_logistic", "binary:logistic", "binary", {}),
    ("reg_logistic", "reg:logistic", "binary", {}),
    ("binary_logitraw", "binary:logitraw", "binary", {}),
    ("squarederror", "reg:squarederror", "reg", {}),
    ("pseudohuber", "reg:pseudohubererror", "reg", {"huber_slope": 0.8}),
    ("softprob", "multi:softprob", "multi", {"num_class": 3}),
    ("softmax", "multi:softmax", "multi", {"num_class": 3}),
    ("poisson", "count:poisson", "count", {}),
    ("tweedie", "reg:tweedie", "positive", {"tweedie_variance_power": 1.4}),
    ("gamma", "reg:gamma", "positive", {}),
]
XGB_POLICIES = [
    ("depthwise", {"max_depth": 6}),
    ("lossguide", {"grow_policy": "lossguide", "max_leaves": 31, "max_depth": 0}),
]
LGB_OBJECTIVES = [
    ("binary", "binary", "binary", {}),
    ("regression", "regression", "reg", {}),
    ("multiclass", "multiclass", "multi", {"num_class": 3}),
    ("poisson", "poisson", "count", {}),
    ("tweedie", "tweedie", "positive", {"tweedie_variance_power": 1.4}),
    ("gamma", "gamma", "positive", {}),
    ("huber", "huber", "reg", {"alpha": 0.8}),
]
LGB_POLICIES = [
    ("leafwise", {"num_leaves": 31}),
    ("depth4", {"max_depth": 4, "num_leaves": 15}),
    ("zero_as_missing", {"zero_as_missing": True}),
]


def import_cases():
    xgb_cases, lgb_cases = [], []
    for short, objective, kind, extra in XGB_OBJECTIVES:
        for policy, p in XGB_POLICIES:
            xgb_cases.append((f"xgb_{short}_{policy}", objective, kind, {**extra, **p}))
        xgb_cases.append((f"xgb_{short}_categorical", objective, kind,
                          {**extra, "max_cat_to_onehot": 1}))
    for short, objective, kind, extra in LGB_OBJECTIVES:
        for policy, p in LGB_POLICIES:
            lgb_cases.append((f"lgb_{short}_{policy}", objective, kind, {**extra, **p}))
        lgb_cases.append((f"lgb_{short}_categorical", objective, kind,
                          {**extra, "categorical": True}))
    return xgb_cases, lgb_cases


def cargo_hook(test, env):
    cmd = ["cargo", "test", "-q", "-p", "gbdt-io", "--test", "it", test,
           "--", "--ignored", "--exact", "--nocapture"]
    subprocess.run(cmd, check=True, env={**os.environ, **env})


def read_numbers(text):
    """Rows of numbers from CSV text (non-numeric columns and header dropped)."""
    rows = list(csv.reader(text.splitlines()))
    out = []
    for row in rows[1:]:
        vals = []
        for v in row:
            try:
                vals.append(float(v))
            except ValueError:
                pass
        out.append(vals)
    return out


def score_with_cli(gbdt, out, expected):
    preds = {}
    for name, case in expected.items():
        res = subprocess.run([gbdt, "predict", os.path.join(out, case["file"]),
                              os.path.join(out, "input.csv")],
                             check=True, capture_output=True, text=True)
        preds[name] = np.array(read_numbers(res.stdout))
    return preds


LOG_LINK = {"count:poisson", "reg:tweedie", "reg:gamma"}


def xgb_f64(path, name, x):
    """The XGBoost model's predictions summed in float64 from its own leaf
    values (XGBoost itself adds float32s), with its base margin computed
    in float32 as XGBoost does."""
    booster = xgb.Booster(model_file=path)
    learner = json.load(open(path))["learner"]
    cat = "categorical" in name
    d = xgb.DMatrix(x, feature_names=mf.NAMES, enable_categorical=cat,
                    feature_types=["q"] * 4 + ["c" if cat else "q"])
    leaves = booster.predict(d, pred_leaf=True).astype(int).reshape(len(x), -1)
    model = learner["gradient_booster"]["model"]
    k = max(1, int(learner["learner_model_param"]["num_class"]))
    objective = learner["objective"]["name"]
    f32 = np.float32
    base = np.array([f32(v) for v in learner["learner_model_param"]["base_score"].strip("[]").split(",")])
    # logf as XGBoost calls it (numpy's float32 log can be 1 ulp off).
    logf = np.vectorize(lambda v: f32(math.log(float(v))))
    if objective in ("binary:logistic", "reg:logistic"):
        base = -logf(f32(1) / base - f32(1))
    elif objective in LOG_LINK:
        base = logf(base)
    margin = np.tile(base.astype(np.float64), (len(x), k // len(base)))
    for t, tree in enumerate(model["trees"]):
        values = np.array(tree["split_conditions"], dtype=np.float32).astype(np.float64)
        margin[:, model["tree_info"][t]] += values[leaves[:, t]]
    if objective in ("binary:logistic", "reg:logistic"):
        return 1 / (1 + np.exp(-margin))
    if objective in LOG_LINK:
        return np.exp(margin)
    if objective.startswith("multi:"):
        e = np.exp(margin - margin.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return margin


def compare_imports(out, expected, preds):
    """Per model: |gbdt - library| and, for XGBoost, |gbdt - library in f64|."""
    x = mf.read_csv(os.path.join(out, "input.csv"))
    rows = {}
    for name, case in expected.items():
        ours = np.asarray(preds[name], dtype=np.float64)
        theirs = np.array(case["pred"])
        if case["objective"] == "multi:softmax":
            rows[name] = (float(np.max(np.abs(ours.argmax(axis=1) - theirs[:, 0]))), None)
            continue
        ours = ours.reshape(theirs.shape)
        exact = None
        if case["format"] == "xgboost-json":
            ref = xgb_f64(os.path.join(out, case["file"]), name, x).reshape(theirs.shape)
            exact = float(np.max(np.abs(ours - ref)))
        rows[name] = (float(np.max(np.abs(ours - theirs))), exact)
    return rows


def check_imports(out, gbdt, rounds, rows):
    xgb_cases, lgb_cases = import_cases()
    expected = mf.write_cases(out, xgb_cases, lgb_cases, rounds, n_train=rows, n_test=rows // 4)
    if gbdt:
        preds = score_with_cli(gbdt, out, expected)
    else:
        cargo_hook("foreign::check_models_in_interop_dir", {"GBDT_INTEROP_DIR": out})
        with open(os.path.join(out, "gbdt_preds.json")) as f:
            preds = json.load(f)
    return compare_imports(out, expected, preds)


def check_exports(out):
    cargo_hook("foreign::write_exported_models", {"GBDT_INTEROP_OUT": out})
    with open(os.path.join(out, "export_expected.json")) as f:
        expected = json.load(f)
    with open(os.path.join(out, "export_input.csv")) as f:
        header = f.readline().strip().split(",")
        x = np.array([[float(v) if v else np.nan for v in line.strip().split(",")]
                      for line in f], dtype=np.float32)
    diffs = {}
    for name, case in expected.items():
        booster = xgb.Booster(model_file=os.path.join(out, name + ".json"))
        d = xgb.DMatrix(x, feature_names=header, feature_types=["q", "q", "q", "c"],
                        enable_categorical=True)
        pred = booster.predict(d).reshape(len(x), -1)
        diffs["export_" + name] = (float(np.max(np.abs(pred - np.array(case["pred"])))), None)
    return diffs


# gbdt objectives exported to XGBoost JSON by `gbdt convert`, with the kind
# of labels they train on.
GBDT_OBJECTIVES = [
    ("reg:squarederror", "reg"),
    ("binary:logistic", "binary"),
    ("binary:logitraw", "binary"),
    ("multi:softprob", "multi"),
    ("count:poisson", "count"),
    ("reg:tweedie", "positive"),
    ("reg:gamma", "positive"),
    ("reg:pseudohubererror", "reg"),
    ("reg:absoluteerror", "reg"),
]
GBDT_POLICIES = [
    ("depthwise", ["--max-depth", "5"]),
    ("lossguide", ["--grow-policy", "lossguide", "--max-leaves", "24", "--max-depth", "0"]),
]
COLOURS = ["red", "green", "blue", "teal", "gold", "plum"]


def write_text_csv(path, x, y=None):
    """The rows with the categorical column as colour names (and a label)."""
    with open(path, "w") as f:
        f.write(",".join(mf.NAMES[:mf.CAT] + ["colour"] + (["y"] if y is not None else [])) + "\n")
        for i, row in enumerate(x):
            cells = [mf.fmt(v) for v in row[:mf.CAT]]
            cells.append("" if np.isnan(row[mf.CAT]) else COLOURS[int(row[mf.CAT])])
            if y is not None:
                cells.append(y[i] if isinstance(y[i], str) else repr(float(y[i])))
            f.write(",".join(cells) + "\n")


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


XGB_PREDICT = """
import sys, numpy as np, xgboost as xgb
x = np.load(sys.argv[2])
d = xgb.DMatrix(x, feature_names=sys.argv[3].split(","),
                feature_types=["q"] * (x.shape[1] - 1) + ["c"], enable_categorical=True)
np.save(sys.argv[4], xgb.Booster(model_file=sys.argv[1]).predict(d))
"""


def xgb_predict_isolated(model, x, names, out):
    """XGBoost's predictions of `model` in a child process, so that XGBoost
    aborting on a model it cannot score is reported, not fatal; None then."""
    xs, ps = os.path.join(out, "x.npy"), os.path.join(out, "pred.npy")
    np.save(xs, x)
    r = subprocess.run([sys.executable, "-c", XGB_PREDICT, model, xs, ",".join(names), ps],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"{os.path.basename(model)}: XGBoost failed (exit {r.returncode}): "
              f"{r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}")
        return None
    return np.load(ps)


def check_exports_cli(gbdt, out, rounds=30, rows=4000):
    """gbdt models trained by `gbdt train`, exported by `gbdt convert`."""
    os.makedirs(out, exist_ok=True)
    x, signal, rng = mf.make_data(rows, seed=31)
    test = os.path.join(out, "test.csv")
    write_text_csv(test, x)
    diffs = {}
    for objective, kind in GBDT_OBJECTIVES:
        y = mf.labels(kind, signal, rng)
        if kind == "multi":
            y = np.array([f"c{int(v)}" for v in y], dtype=object)
        train = os.path.join(out, f"train_{kind}.csv")
        write_text_csv(train, x, y)
        for policy, flags in GBDT_POLICIES:
            name = f"export_{objective.replace(':', '_')}_{policy}"
            model = os.path.join(out, name + ".gbdt")
            exported = os.path.join(out, name + ".json")
            run([gbdt, "train", train, "--target", "y", "--objective", objective,
                 "--rounds", str(rounds), "--categorical", "colour", "--output", model,
                 "-q", "--threads", "2", *flags])
            try:
                run([gbdt, "convert", model, exported, "--to", "xgboost-json", "-q"])
            except subprocess.CalledProcessError as e:
                print(f"{name}: gbdt convert refused it: {e.stderr.strip()}")
                continue
            ours = np.array(read_numbers(run([gbdt, "predict", model, test])))
            info = json.loads(run([gbdt, "inspect", model, "--json"]))
            codes = {n: i for i, n in enumerate(info["categorical"][0]["names"])}
            xc = x.copy()
            xc[:, mf.CAT] = [np.nan if np.isnan(v) else codes[COLOURS[int(v)]] for v in x[:, mf.CAT]]
            theirs = xgb_predict_isolated(exported, xc, info["features"], out)
            if theirs is None:
                diffs[name] = (math.inf, None)
                continue
            diffs[name] = (float(np.max(np.abs(ours - theirs.reshape(len(x), -1)))), None)
    return diffs


def best_of(n, f):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def speed(gbdt, out, rows=250_000, rounds=200):
    """Scoring `rows` rows with 200-tree models on 2 threads (best of 3)."""
    os.makedirs(out, exist_ok=True)
    x, signal, rng = mf.make_data(rows, seed=21)
    y = mf.labels("binary", signal, rng)
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "nthread": 2}
    xb = xgb.train(params, xgb.DMatrix(x, label=y, feature_names=mf.NAMES),
                   num_boost_round=rounds)
    lb = lgb.train({"objective": "binary", "num_leaves": 63, "learning_rate": 0.1,
                    "verbose": -1, "num_threads": 2},
                   lgb.Dataset(x.astype(np.float64), label=y, feature_name=mf.NAMES),
                   num_boost_round=rounds)
    xb.save_model(os.path.join(out, "speed_xgb.json"))
    lb.save_model(os.path.join(out, "speed_lgb.txt"))
    mf.write_csv(os.path.join(out, "speed.csv"), x)
    xb.set_param({"nthread": 2})
    xf = x.astype(np.float64)
    times = {
        "xgboost inplace_predict": best_of(3, lambda: xb.inplace_predict(x)),
        "lightgbm predict": best_of(3, lambda: lb.predict(xf, num_threads=2)),
    }
    if gbdt:
        ours = {}
        for model in ["speed_xgb.json", "speed_lgb.txt"]:
            report = os.path.join(out, "report.json")
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                subprocess.run([gbdt, "predict", os.path.join(out, model),
                                os.path.join(out, "speed.csv"), "--threads", "2",
                                "--report-json", report], check=True, stdout=subprocess.DEVNULL)
                total = time.perf_counter() - t
                with open(report) as f:
                    runs.append((json.load(f)["timings"]["predict_s"], total))
            ours[model] = min(r[0] for r in runs)
            times[f"gbdt predict, {model}: prediction"] = ours[model]
            times[f"gbdt predict, {model}: whole run with CSV"] = min(r[1] for r in runs)
    else:
        cargo_hook("foreign::time_prediction", {"GBDT_INTEROP_DIR": out})
        with open(os.path.join(out, "gbdt_times.json")) as f:
            ours = json.load(f)
        times["gbdt Model::predict_with, xgb model"] = ours["speed_xgb.json"]
        times["gbdt Model::predict_with, lgb model"] = ours["speed_lgb.txt"]
    print(f"scoring {rows} rows, {rounds} trees, 2 threads (best of 3):")
    for k, v in times.items():
        print(f"  {k:55} {v:.3f}s")
    print(f"  ratio xgboost / gbdt: {times['xgboost inplace_predict'] / ours['speed_xgb.json']:.2f}")
    print(f"  ratio lightgbm / gbdt: {times['lightgbm predict'] / ours['speed_lgb.txt']:.2f}")
    if gbdt:
        whole = {m: times[f"gbdt predict, {m}: whole run with CSV"]
                 for m in ["speed_xgb.json", "speed_lgb.txt"]}
        print(f"  ratio xgboost / gbdt whole run: {times['xgboost inplace_predict'] / whole['speed_xgb.json']:.2f}")
        print(f"  ratio lightgbm / gbdt whole run: {times['lightgbm predict'] / whole['speed_lgb.txt']:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gbdt", help="gbdt binary (else the Rust test hooks score the models)")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--out", help="work directory (default: a temporary one)")
    ap.add_argument("--speed", action="store_true")
    args = ap.parse_args()
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="gbdt-interop-"))
    diffs = check_imports(os.path.join(out, "import"), args.gbdt, args.rounds, args.rows)
    if args.gbdt:
        diffs.update(check_exports_cli(args.gbdt, os.path.join(out, "export")))
    else:
        diffs.update(check_exports(os.path.join(out, "export")))
    print(f"{'model':45} {'|gbdt - library|':>17} {'|gbdt - library summed in f64|':>31}")
    failed = []
    for name, (d, exact) in sorted(diffs.items()):
        ok = d <= TOLERANCE or (exact is not None and exact <= TOLERANCE)
        exact_text = "" if exact is None else f"{exact:.3e}"
        print(f"{name:45} {d:17.3e} {exact_text:>31}{'' if ok else '  <-- above 1e-6'}")
        if not ok:
            failed.append(name)
    worst = max(diffs, key=lambda n: diffs[n][0])
    print(f"worst |gbdt - library|: {diffs[worst][0]:.3e} ({worst}); {len(diffs)} models; work dir {out}")
    exact = {n: e for n, (_, e) in diffs.items() if e is not None}
    if exact:
        w = max(exact, key=exact.get)
        print(f"worst |gbdt - XGBoost summed in f64|: {exact[w]:.3e} ({w})")
    if args.speed:
        speed(args.gbdt, os.path.join(out, "speed"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
