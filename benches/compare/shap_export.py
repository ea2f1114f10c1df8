"""Exports an XGBoost model, data and its pred_contribs for gbdt-core's
ignored test `explain::xgb_tests::xgboost_pred_contribs_agree`, which copies
the trees into a gbdt Model and compares contributions, and prints how long
XGBoost takes.

    python3 benches/compare/shap_export.py /tmp/xgb-shap [rows]
    GBDT_XGB_SHAP_DIR=/tmp/xgb-shap cargo test -p gbdt-core --lib xgboost -- --ignored --nocapture

Synthetic binary data (28 features, 10% missing in two of them), 200 trees
of depth 6, base_score 0.5 (base margin 0).
"""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb

out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(3)
x = (rng.random((rows, 28)) * 2 - 1).astype(np.float32)
s = np.sin(3 * x[:, 0]) + x[:, 1] * x[:, 2] + np.abs(x[:, 3]) + 0.1 * (rng.random(rows) - 0.5)
y = (s > 0.5).astype(np.float32)
x[::10, 0] = np.nan
x[5::10, 3] = np.nan
d = xgb.DMatrix(x, label=y)
params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "base_score": 0.5,
          "tree_method": "hist", "nthread": 1}
bst = xgb.train(params, d, 200)
start = time.perf_counter()
contribs = bst.predict(d, pred_contribs=True)
print(f"xgboost pred_contribs, {rows} rows, 1 thread: {time.perf_counter() - start:.3f} s")
margin = bst.predict(d, output_margin=True)


def dump(name, value):
    with open(os.path.join(out, name), "w") as f:
        json.dump(value, f)


dump("trees.json", [json.loads(t) for t in bst.get_dump(dump_format="json", with_stats=True)])
dump("x.json", [[None if np.isnan(v) else float(v) for v in row] for row in x])
dump("contribs.json", contribs.astype(float).tolist())
dump("margin.json", margin.astype(float).tolist())
