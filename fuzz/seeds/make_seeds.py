#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ (committed; run again only to
change them): small files from the project's tests, inline cases from the
tests of each surface, tiny models made by `gbdt train` (target/debug/gbdt,
built first) and, when the Python packages are installed, tiny XGBoost and
LightGBM models. Each seed starts with the option byte its target reads
(see fuzz/src/targets/*.rs)."""

import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def head(data, lines):
    return b"\n".join(data.split(b"\n")[:lines]) + b"\n"


# csv: option byte (bits 0-2 delimiter , ; \t | space; bit 3 no header; bits 4-7 chunk size).
credit = read("gbdt-io/tests/data/credit.csv")
put("csv", "credit", b"\x00" + credit)
put("csv", "credit_chunk64", b"\xf0" + credit)
put("csv", "quoted", b"\x10" + read("gbdt-io/tests/data/quoted.csv"))
put("csv", "semicolon_crlf", b"\x21" + read("gbdt-io/tests/data/semicolon_crlf.csv"))
put("csv", "bom_tab", b"\x02" + read("gbdt-io/tests/data/bom_tab.tsv"))
put("csv", "headerless", b"\x08" + b"1,2.5,x\n3,NA,y\n,1e300,\"z\"\"q\"\n")
put("csv", "types", b"\x00" + b"n,b,s,m\n1,true,a,NA\n-2.5e-3,False,\"b,c\",\ninf,TRUE,,null\n")
put("csv", "pipe_space", b"\x03" + b"a|b\n1|2\n\n3|4\r\n")

# label: the target expression, a line break, a CSV file.
small = head(read("examples/credit_train.csv"), 12)
put("label", "compare", b"Number of Credit Problems > 1\n" + small)
put("label", "equals", b"Loan Status == Charged Off\n" + small)
put("label", "column", b"Bankruptcies\n" + small)
put("label", "classes", b"Home Ownership\n" + small)
put("label", "ge_float", b"Credit Score >= 7.1e2\n" + small)

# config: TOML as in gbdt-cli/src/config.rs's tests.
for name, text in {
    "basic": 'rounds = 7\nmax_depth = 3\neval_metric = "auc"\nnthread = 1\n',
    "aliases": 'eta = 0.1\nnum_leaves = 15\nobjective = "binary:logistic"\nlambda = 2.0\n',
    "interactions": "interactions = [[0, 1], [2, 3, 4]]\nmonotone = \"(1,0,-1)\"\n",
    "by_name": 'monotone = "Credit Score:-1, Tax Liens:1"\ninteractions = "[[A,B],[C]]"\n',
    "data_keys": 'categorical = ["Term", "Home Ownership"]\nmax_categories = 8\nholdout = 0.25\n',
    "multiclass": 'objective = "multi:softprob"\ngrow_policy = "lossguide"\nmax_leaves = 31\nsubsample = 0.5\n',
    "tweedie": 'objective = "reg:tweedie"\ntweedie_variance_power = 1.5\nmin_child_weight = 0.0\nearly_stopping_rounds = 5\n',
}.items():
    put("config", name, text)

# flags: name=value lines, as `gbdt train --name value`.
for name, text in {
    "basic": "rounds=10\nlearning-rate=0.3\nmax-depth=6\nthreads=1\n",
    "objective": "objective=multi:softmax\nmetric=mlogloss\nmax-bin=255\n",
    "monotone": "monotone=Credit Score:-1\ninteractions=[[0,1],[2]]\n",
    "odd": "learning-rate=1e308\nrounds=10000001\nlambda=-1\nsubsample=nan\n",
    "lossguide": "grow-policy=lossguide\nmax-leaves=1000000\nmin-split-gain=inf\n",
}.items():
    put("flags", name, text)

# libsvm: option byte (bits 0-1 base: detect, 0, 1, 2; bits 2-4 fixed feature count).
for name, text in {
    "basic": "# comment\n1 1:0.5 3:2\n0 2:1.5\n",
    "qid": "2 qid:7 0:1 2:3\n1 qid:7 1:4\n0 qid:8 0:-1e30\n",
    "weights": "1:0.5 1:1 2:2\n0:2 2:1 # note\n\n1:1 1:3\n",
    "zero_based": "1 0:1 1:2\n0 0:2 1:1\n1 0:1.5\n0 1:0.5\n",
    "tabs_crlf": "1\t1:1e-3\t4:nan\r\n-1 2:inf\r\n",
}.items():
    put("libsvm", name, b"\x00" + text.encode())
put("libsvm", "fixed3_base1", b"\x0e" + b"1 1:0.5 3:2\n0 2:1.5\n")


def gbdt_models():
    """Tiny models of `gbdt train`: (name, bytes) of binary and JSON files."""
    exe = os.path.join(ROOT, "target", "debug", "gbdt")
    if not os.path.exists(exe):
        sys.exit("build gbdt first: cargo build -p gbdt-cli")
    data = head(read("examples/credit_train.csv"), 60)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "d.csv")
        with open(csv, "wb") as f:
            f.write(data)
        for name, target, extra in [
            ("binary", "Number of Credit Problems > 0", []),
            ("multiclass", "Home Ownership", ["--objective", "multi:softprob"]),
            ("regression", "Current Loan Amount", ["--monotone", "Annual Income:1"]),
        ]:
            for ext in ["gbdt", "json"]:
                path = os.path.join(tmp, f"{name}.{ext}")
                subprocess.run(
                    [exe, "train", csv, "-t", target, "--rounds", "2", "--max-depth", "2",
                     "--threads", "1", "-o", path, "--quiet"] + extra,
                    check=True,
                )
                with open(path, "rb") as f:
                    out.append((f"{name}_{ext}", f.read()))
    return out


# model: a first byte below 0x10 means "payload of format version 1 + byte % 4".
models = gbdt_models()
for name, data in models:
    put("model", name, data)
    if data.startswith(b"GBDTMDL\0"):
        version = struct.unpack("<I", data[8:12])[0]
        put("model", name + "_payload", bytes([version - 1]) + data[28:])
for v in [2, 3]:
    data = read(f"gbdt-io/tests/data/compat/v{v}_bare.gbdt")
    put("model", f"v{v}_bare_payload", bytes([v - 1]) + data[28:])
    put("model", f"v{v}_bare_json", read(f"gbdt-io/tests/data/compat/v{v}_bare.json"))
data = read("gbdt-io/tests/data/compat/v1_binary.gbdt")
put("model", "v1_binary_payload", b"\x00" + data[28:])

# foreign: XGBoost JSON/UBJSON and LightGBM text (first byte 1 or 2 forces a format).
put("foreign", "hand_lightgbm", read("gbdt-io/tests/data/foreign/hand_lightgbm.txt"))
put("foreign", "hand_xgboost_categorical", read("gbdt-io/tests/data/foreign/hand_xgboost_categorical.json"))
try:
    import numpy as np
    import xgboost as xgb
    import lightgbm as lgb

    rng = np.random.default_rng(16)
    x = rng.normal(size=(64, 3))
    x[::7, 1] = np.nan
    y = (x[:, 0] + 0.5 * x[:, 2] > 0).astype(float)
    with tempfile.TemporaryDirectory() as tmp:
        for objective, label in [("binary:logistic", y), ("reg:squarederror", x[:, 0])]:
            booster = xgb.train({"objective": objective, "max_depth": 2, "nthread": 1},
                                xgb.DMatrix(x, label=label), num_boost_round=2)
            for ext in ["json", "ubj"]:
                path = os.path.join(tmp, f"m.{ext}")
                booster.save_model(path)
                with open(path, "rb") as f:
                    put("foreign", f"xgb_{objective.split(':')[1]}_{ext}", f.read())
        for objective, label in [("binary", y), ("regression", x[:, 0])]:
            model = lgb.train({"objective": objective, "num_leaves": 4, "verbose": -1,
                               "num_threads": 1, "min_data_in_leaf": 5},
                              lgb.Dataset(x, label=label), num_boost_round=2)
            put("foreign", f"lgb_{objective}", model.model_to_string())
except ImportError:
    print("xgboost/lightgbm not installed: only the committed foreign seeds", file=sys.stderr)

# predict: k, then 4k bytes of f32 values, then a model file of any kind.
odd = struct.pack("<4f", float("nan"), float("inf"), -3e38, 1e-40)
for name, data in models:
    put("predict", name, b"\x00" + data)
    put("predict", name + "_odd", b"\x04" + odd + data)
foreign_dir = os.path.join(CORPUS, "foreign")
for name in ["hand_lightgbm", "hand_xgboost_categorical"]:
    with open(os.path.join(foreign_dir, name), "rb") as f:
        put("predict", name, b"\x04" + odd + f.read())
