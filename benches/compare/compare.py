#!/usr/bin/env python3
"""Side-by-side benchmark: gbdt (CLI) vs XGBoost hist vs LightGBM.

Quick run (about a tenth of the full sizes):

    pip install -r benches/compare/requirements.txt
    python3 benches/compare/compare.py --scale 0.1

Full run that also rewrites the README section and the plot:

    python3 benches/compare/compare.py --update-readme

Issue 2's accuracy/speed parity table (depth-wise only, full size, no plot):

    python3 benches/compare/compare.py --task binary,regression,multiclass \
        --regime depthwise --skip-plot

See benches/compare/README.md for what is matched and what differs.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import datagen  # noqa: E402
import report  # noqa: E402

ENGINES = ("gbdt", "xgboost", "lightgbm")
REGIMES = ("depthwise", "leafwise")
TASK_ORDER = ("binary", "regression", "multiclass", "credit")
PLOT_ROWS_FULL = (100_000, 300_000, 1_000_000)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Child processes with rusage
# ---------------------------------------------------------------------------
GNU_TIME = "/usr/bin/time"


def _gnu_time_ok() -> bool:
    if not os.access(GNU_TIME, os.X_OK):
        return False
    r = subprocess.run([GNU_TIME, "-f", "%M", "-o", os.devnull, "true"],
                       capture_output=True)
    return r.returncode == 0


USE_GNU_TIME = _gnu_time_ok()


def run_child(cmd: list[str], stdout_path: str, stderr_path: str,
              env: dict | None = None) -> dict:
    """Run cmd and return wall time, exit code, the peak resident set size of
    that child (MiB) and its CPU time.

    The peak RSS comes from GNU time (`/usr/bin/time -f %M`), which forks the
    command from its own small process.  os.wait4's ru_maxrss of a direct
    child is not usable: Linux carries the high-water RSS of the forking
    process (this Python, with pandas and sklearn loaded: ~150 MiB) over
    exec into the child's figure.  Without GNU time we fall back to it and
    mark the value as an upper bound."""
    rss_file = stdout_path + ".rss"
    full = [GNU_TIME, "-f", "%M", "-o", rss_file] + cmd if USE_GNU_TIME else cmd
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    maxrss_kb, exact = ru.ru_maxrss, False  # Linux: KiB
    if USE_GNU_TIME:
        try:
            with open(rss_file) as f:
                last = [ln for ln in f.read().split() if ln.strip()][-1]
            maxrss_kb, exact = int(last), True
        except (OSError, IndexError, ValueError):
            pass
        finally:
            if os.path.exists(rss_file):
                os.remove(rss_file)
    return {
        "wall_s": wall,
        "rc": p.returncode,
        "maxrss_mb": maxrss_kb / 1024.0,
        "maxrss_exact": exact,
        "cpu_s": ru.ru_utime + ru.ru_stime,
    }


def tail(path: str, n: int = 15) -> str:
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return ""


class EngineError(RuntimeError):
    pass


# ---------------------------------------------------------------------------
# gbdt through its CLI
# ---------------------------------------------------------------------------
class Gbdt:
    def __init__(self, binary: str):
        self.binary = binary
        self.version = "?"
        self.train_help = ""

    def check(self) -> None:
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise EngineError(
                f"gbdt binary not found at {self.binary}.\n"
                f"  Build it with:  cargo build --release -p gbdt-cli\n"
                f"  (or pass --build, or --gbdt-bin PATH, or leave gbdt out with "
                f"--engines xgboost,lightgbm)")
        v = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        self.version = (v.stdout.strip() or v.stderr.strip() or "?").splitlines()[0]
        if self.version.startswith("gbdt "):
            self.version = self.version[len("gbdt "):]
        h = subprocess.run([self.binary, "train", "--help"], capture_output=True, text=True)
        self.train_help = h.stdout + h.stderr

    def has_flag(self, flag: str) -> bool:
        return re.search(re.escape(flag) + r"\b", self.train_help) is not None

    def train_cmd(self, spec: dict, train_csv: str, model: str, report_json: str) -> list[str]:
        kind = spec["kind"]
        objective = {"binary": "binary:logistic", "regression": "reg:squarederror",
                     "multiclass": "multi:softprob"}[kind]
        cmd = [self.binary, "train", train_csv, "--target", "y",
               "--objective", objective,
               "--rounds", str(spec["rounds"]),
               "--learning-rate", str(spec["learning_rate"]),
               "--max-bin", str(spec["max_bin"]),
               "--lambda", str(spec["lambda"]),
               "--alpha", "0", "--gamma", "0",
               "--min-child-weight", str(spec["min_child_weight"]),
               "--threads", str(spec["threads"]),
               "--report-json", report_json,
               "--output", model]
        if spec["regime"] == "depthwise":
            cmd += ["--grow-policy", "depthwise", "--max-depth", str(spec["max_depth"])]
        else:
            cmd += ["--grow-policy", "lossguide", "--max-leaves", str(spec["max_leaves"]),
                    "--max-depth", "0"]
        if kind == "multiclass" and self.has_flag("--num-class"):
            cmd += ["--num-class", str(spec["num_class"])]
        if self.has_flag("--no-train-metrics"):
            # Peers evaluate nothing during training; neither should gbdt.
            cmd.append("--no-train-metrics")
        if self.has_flag("--quiet"):
            cmd.append("--quiet")
        return cmd

    def run(self, spec: dict, train_csv: str, test_csv: str | None, workdir: str,
            tag: str, keep_pred: bool) -> dict:
        os.makedirs(workdir, exist_ok=True)
        model = os.path.join(workdir, f"{tag}.gbdt")
        rj = os.path.join(workdir, f"{tag}.train.json")
        for p in (model, rj):
            if os.path.exists(p):
                os.remove(p)
        cmd = self.train_cmd(spec, train_csv, model, rj)
        ch = run_child(cmd, os.path.join(workdir, f"{tag}.train.out"),
                       os.path.join(workdir, f"{tag}.train.err"))
        if ch["rc"] != 0 or not os.path.exists(rj):
            raise EngineError(f"gbdt train failed (exit {ch['rc']}): {' '.join(cmd)}\n"
                              + tail(os.path.join(workdir, f"{tag}.train.err")))
        with open(rj) as f:
            rep = json.load(f)
        t = rep.get("timings", {})
        if "train_s" not in t:
            raise EngineError(f"gbdt report {rj} has no timings.train_s: {t}")
        out = {
            "load_s": t.get("load_s"),
            "construct_s": t.get("bin_s", 0.0),
            "train_s": t["train_s"],
            "fit_s": t.get("bin_s", 0.0) + t["train_s"],
            "save_s": t.get("save_s"),
            "e2e_s": ch["wall_s"],
            "report_total_s": t.get("total_s"),
            "maxrss_mb": ch["maxrss_mb"],
            "maxrss_exact": ch["maxrss_exact"],
            "cpu_s": ch["cpu_s"],
            "cmd": cmd,
        }
        if test_csv:
            pred = os.path.join(workdir, f"{tag}.pred.csv")
            rj2 = os.path.join(workdir, f"{tag}.predict.json")
            cmd2 = [self.binary, "predict", model, test_csv, "--output", pred,
                    "--threads", str(spec["threads"]), "--report-json", rj2]
            ch2 = run_child(cmd2, os.path.join(workdir, f"{tag}.predict.out"),
                            os.path.join(workdir, f"{tag}.predict.err"))
            if ch2["rc"] != 0 or not os.path.exists(rj2):
                raise EngineError(f"gbdt predict failed (exit {ch2['rc']}): {' '.join(cmd2)}\n"
                                  + tail(os.path.join(workdir, f"{tag}.predict.err")))
            with open(rj2) as f:
                rep2 = json.load(f)
            t2 = rep2.get("timings", {})
            out.update(predict_s=t2.get("predict_s"), test_load_s=t2.get("load_s"),
                       predict_wall_s=ch2["wall_s"], predict_maxrss_mb=ch2["maxrss_mb"],
                       test_rows=rep2.get("rows"))
            if keep_pred:
                out["pred"] = read_gbdt_predictions(pred)
            os.remove(pred)
        if os.path.exists(model):
            out["model_bytes"] = os.path.getsize(model)
        return out


def read_gbdt_predictions(path: str) -> np.ndarray:
    df = pd.read_csv(path)
    if "prediction" in df.columns:
        return df["prediction"].to_numpy(dtype=np.float64)
    if df.shape[1] == 1:
        return df.iloc[:, 0].to_numpy(dtype=np.float64)
    # Multiclass: one column per class, `prediction_<class>`.  Order them by
    # the numeric class label (the labels here are 0..k-1), whatever order
    # the file uses, so column j is the probability of class j.
    cols = [c for c in df.columns if str(c).startswith("prediction_")]
    try:
        cols.sort(key=lambda c: float(str(c)[len("prediction_"):]))
    except ValueError:
        pass
    return df[cols].to_numpy(dtype=np.float64)


# ---------------------------------------------------------------------------
# XGBoost / LightGBM through peer_worker.py
# ---------------------------------------------------------------------------
class Peer:
    def __init__(self, engine: str):
        self.engine = engine

    def run(self, spec: dict, train_csv: str, test_csv: str | None, workdir: str,
            tag: str, keep_pred: bool, probe: bool = False) -> dict:
        os.makedirs(workdir, exist_ok=True)
        ext = {"xgboost": "ubj", "lightgbm": "txt"}[self.engine]
        s = dict(spec, engine=self.engine, train_csv=train_csv, test_csv=test_csv,
                 model_path=os.path.join(workdir, f"{tag}.{ext}"),
                 pred_path=os.path.join(workdir, f"{tag}.pred.npy") if keep_pred else None,
                 probe=probe)
        spec_path = os.path.join(workdir, f"{tag}.spec.json")
        res_path = os.path.join(workdir, f"{tag}.result.json")
        if os.path.exists(res_path):
            os.remove(res_path)
        with open(spec_path, "w") as f:
            json.dump(s, f, indent=1)
        env = dict(os.environ, OMP_NUM_THREADS=str(spec["threads"]))
        cmd = [sys.executable, os.path.join(HERE, "peer_worker.py"), spec_path, res_path]
        ch = run_child(cmd, os.path.join(workdir, f"{tag}.out"),
                       os.path.join(workdir, f"{tag}.err"), env=env)
        if ch["rc"] != 0 or not os.path.exists(res_path):
            raise EngineError(f"{self.engine} run failed (exit {ch['rc']})\n"
                              + tail(os.path.join(workdir, f"{tag}.err")))
        with open(res_path) as f:
            out = json.load(f)
        out.update(maxrss_mb=ch["maxrss_mb"], maxrss_exact=ch["maxrss_exact"], cpu_s=ch["cpu_s"],
                   process_wall_s=ch["wall_s"])
        if keep_pred and s["pred_path"] and os.path.exists(s["pred_path"]):
            out["pred"] = np.load(s["pred_path"])
            os.remove(s["pred_path"])
        if os.path.exists(s["model_path"]):
            out["model_bytes"] = os.path.getsize(s["model_path"])
            os.remove(s["model_path"])
        return out


# ---------------------------------------------------------------------------
# Metrics (the same sklearn code for every engine)
# ---------------------------------------------------------------------------
def compute_metrics(kind: str, num_class: int, y: np.ndarray, pred: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, roc_auc_score

    pred = np.asarray(pred, dtype=np.float64)
    if kind == "binary":
        p = pred.reshape(-1)
        if p.shape[0] != y.shape[0]:
            raise EngineError(f"prediction count {p.shape[0]} != test rows {y.shape[0]}")
        return {"auc": float(roc_auc_score(y, p)),
                "logloss": float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1]))}
    if kind == "regression":
        p = pred.reshape(-1)
        return {"rmse": float(np.sqrt(mean_squared_error(y, p)))}
    P = pred.reshape(y.shape[0], -1)
    if P.shape[1] != num_class:
        raise EngineError(f"multiclass predictions have {P.shape[1]} columns, expected {num_class}")
    P = np.clip(P, 1e-15, 1.0)
    P = P / P.sum(axis=1, keepdims=True)
    return {"mlogloss": float(log_loss(y, P, labels=list(range(num_class)))),
            "accuracy": float(accuracy_score(y, P.argmax(axis=1)))}


# ---------------------------------------------------------------------------
# Machine and versions
# ---------------------------------------------------------------------------
def machine_info() -> dict:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem_gb = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "usable_cpus": usable,
            "mem_gb": mem_gb, "os": platform.platform(),
            "loadavg_at_start": list(os.getloadavg())}


def versions(gbdt: Gbdt | None) -> dict:
    v = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}
    for mod in ("xgboost", "lightgbm", "sklearn"):
        try:
            v[mod] = __import__(mod).__version__
        except ImportError:
            v[mod] = None
    v["gbdt"] = gbdt.version if gbdt else None
    if gbdt:
        v["gbdt_binary"] = getattr(gbdt, "source_binary", gbdt.binary)
        v["gbdt_sha256"] = getattr(gbdt, "sha256", None)
    try:
        v["gbdt_commit"] = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                          capture_output=True, text=True).stdout.strip() or None
    except OSError:
        v["gbdt_commit"] = None
    return v


# ---------------------------------------------------------------------------
# Main loop
# ---------------------------------------------------------------------------
def parse_list(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    if value == "all":
        return list(allowed)
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise SystemExit(f"compare.py: unknown {what} {bad or value!r}; "
                         f"choose from {', '.join(allowed)} or all")
    return items


def build_gbdt() -> None:
    log("building gbdt: cargo build --release -p gbdt-cli")
    r = subprocess.run(["cargo", "build", "--release", "-p", "gbdt-cli"], cwd=REPO)
    if r.returncode != 0:
        raise SystemExit("compare.py: cargo build failed")


def median_of(runs: list[dict], key: str):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarize(runs: list[dict]) -> dict:
    keys = ("load_s", "construct_s", "train_s", "fit_s", "save_s", "e2e_s", "predict_s",
            "maxrss_mb", "predict_maxrss_mb", "cpu_s")
    s = {k: median_of(runs, k) for k in keys}
    s["fit_runs_s"] = [r.get("fit_s") for r in runs]
    s["predict_runs_s"] = [r.get("predict_s") for r in runs]
    s["e2e_runs_s"] = [r.get("e2e_s") for r in runs]
    s["peak_maxrss_mb"] = max((r["maxrss_mb"] for r in runs if r.get("maxrss_mb")), default=None)
    s["model_bytes"] = runs[0].get("model_bytes") if runs else None
    s["maxrss_exact"] = all(r.get("maxrss_exact", False) for r in runs)
    return s


def base_spec(args, task: str, regime: str) -> dict:
    info = datagen.TASKS[task]
    return {
        "task": task, "kind": info.kind, "num_class": info.num_class, "regime": regime,
        "rounds": args.rounds, "learning_rate": 0.1, "max_depth": 6, "max_leaves": 255,
        "max_bin": 256, "lgb_max_bin": 255, "lambda": 1.0, "min_child_weight": 1.0,
        "lgb_min_data_in_leaf": 1, "threads": args.threads,
    }


_LGB_PROBES: dict[str, dict] = {}


def lgb_probe(runners: dict, spec: dict, train: str, workdir: str, label: str) -> None:
    """Find out whether LightGBM picks col-wise or row-wise on this train file
    (once per file) and record it in spec, so the timed runs force it."""
    if "lightgbm" not in runners:
        return
    if train not in _LGB_PROBES:
        try:
            _LGB_PROBES[train] = runners["lightgbm"].run(
                spec, train, None, workdir, f"{label}_lgbprobe", keep_pred=False, probe=True)
            log(f"    lightgbm auto-chooses {_LGB_PROBES[train].get('lgb_multithreading')} "
                f"(testing overhead {_LGB_PROBES[train].get('lgb_probe_overhead_s')} s); "
                f"the timed runs force it")
        except EngineError as e:
            log(f"    lightgbm probe failed, letting it auto-choose: {e}")
            _LGB_PROBES[train] = {}
    spec["lgb_multithreading"] = _LGB_PROBES[train].get("lgb_multithreading")
    spec["lgb_probe_overhead_s"] = _LGB_PROBES[train].get("lgb_probe_overhead_s")


def run_setting(args, runners: dict, engines: list[str], spec: dict, train: str,
                test: str | None, workdir: str, label: str, y_test=None) -> dict:
    """All engines on one task/regime.  Repeats are interleaved (gbdt, XGBoost,
    LightGBM, gbdt, ...) so a change in background load hits every engine
    alike; the first repeat keeps its predictions for the metrics."""
    runs: dict[str, list] = {e: [] for e in engines}
    errors: dict[str, list] = {e: [] for e in engines}
    for rep in range(args.repeats):
        for engine in engines:
            if errors[engine]:
                continue  # failed once: do not retry
            tag = f"{label}_{engine}_r{rep}"
            try:
                r = runners[engine].run(spec, train, test, workdir, tag,
                                        keep_pred=(rep == 0 and test is not None))
            except EngineError as e:
                errors[engine].append(str(e))
                log(f"    {engine:8s} repeat {rep + 1}: FAILED\n      " + str(e).replace("\n", "\n      "))
                if not args.keep_going:
                    raise SystemExit(f"compare.py: {engine} failed (--no-keep-going)")
                continue
            runs[engine].append(r)
            log(f"    {engine:8s} repeat {rep + 1}/{args.repeats}: fit {r['fit_s']:.3f}s"
                + (f", predict {r['predict_s']:.4f}s" if r.get("predict_s") is not None else "")
                + f", e2e {r['e2e_s']:.3f}s, peak {r['maxrss_mb']:.0f} MiB")
    out = {}
    for engine in engines:
        rs = runs[engine]
        entry: dict[str, Any] = {"runs": [{k: v for k, v in r.items() if k != "pred"} for r in rs],
                                 "errors": errors[engine]}
        if rs:
            entry["summary"] = summarize(rs)
            if y_test is not None and "pred" in rs[0]:
                try:
                    entry["metrics"] = compute_metrics(spec["kind"], spec["num_class"], y_test, rs[0]["pred"])
                except EngineError as e:
                    entry["errors"].append(str(e))
                    log(f"    {engine}: metrics failed: {e}")
        out[engine] = entry
    return out


def save_partial(out_dir: str, results: dict) -> None:
    """Writes what has been measured so far to out/results-partial.json, so
    a run that is cut off (a timeout, a reboot) still leaves its tables."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "results-partial.json")
    with open(path + ".tmp", "w") as f:
        json.dump(results, f, indent=1, default=str)
    os.replace(path + ".tmp", path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark gbdt against XGBoost (hist) and LightGBM with matched parameters.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every row count (1M binary/regression, 300k multiclass, "
                         "100k credit, plot points 100k/300k/1M) by this; default 1.0")
    ap.add_argument("--seed", type=int, default=42, help="data seed (default 42)")
    ap.add_argument("--rounds", type=int, default=200, help="boosting rounds (default 200)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per engine; the median is reported (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="threads for every engine (default 2)")
    ap.add_argument("--task", default="all", help="binary,regression,multiclass,credit or all")
    ap.add_argument("--regime", default="all", help="depthwise,leafwise or all")
    ap.add_argument("--engines", default="all", help="gbdt,xgboost,lightgbm or all")
    ap.add_argument("--skip-plot", action="store_true", help="skip the training-time-vs-rows runs and plot")
    ap.add_argument("--plot-task", default="binary", choices=TASK_ORDER, help="task for the rows plot")
    ap.add_argument("--update-readme", action="store_true",
                    help="rewrite the README section between <!-- BENCH:START --> and <!-- BENCH:END --> "
                         "and copy the plot to benches/compare/train_time.png")
    ap.add_argument("--readme", default=os.path.join(REPO, "README.md"), help="README to update")
    ap.add_argument("--gbdt-bin", default=os.path.join(REPO, "target", "release", "gbdt"))
    ap.add_argument("--build", action="store_true", help="cargo build --release -p gbdt-cli first")
    ap.add_argument("--generate-only", action="store_true",
                    help="write the data files for these tasks and scale (and the plot sizes "
                         "unless --skip-plot), then exit")
    ap.add_argument("--baseline", metavar="RESULTS.json",
                    help="an earlier results file: also print gbdt now vs then (not written to the README)")
    ap.add_argument("--out-dir", default=os.path.join(HERE, "out"))
    ap.add_argument("--keep-going", action=argparse.BooleanOptionalAction, default=True,
                    help="record an engine failure and continue (default); --no-keep-going stops")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.rounds < 1 or args.threads < 1 or args.scale <= 0:
        ap.error("--repeats, --rounds, --threads and --scale must be positive")

    baseline = None
    if args.baseline:
        try:
            with open(args.baseline) as f:
                baseline = json.load(f)
        except (OSError, ValueError) as e:
            ap.error(f"--baseline {args.baseline}: {e}")
    tasks = parse_list(args.task, TASK_ORDER, "task")
    regimes = parse_list(args.regime, REGIMES, "regime")
    engines = parse_list(args.engines, ENGINES, "engine")
    data_dir = os.path.join(args.out_dir, "data")
    work_root = os.path.join(args.out_dir, "runs")
    if args.generate_only:
        for task in tasks:
            datagen.ensure_dataset(task, datagen.scaled_rows(task, args.scale), args.seed, data_dir, log=log)
        if not args.skip_plot:
            for full in PLOT_ROWS_FULL:
                n = max(datagen.MIN_ROWS, int(round(full * args.scale)))
                main_n = datagen.scaled_rows(args.plot_task, args.scale)
                if not (args.plot_task in tasks and n == main_n):
                    datagen.ensure_dataset(args.plot_task, n, args.seed, data_dir, log=log,
                                           with_test=False)
        log(f"data files are in {os.path.relpath(data_dir, REPO)}")
        return 0
    os.makedirs(work_root, exist_ok=True)

    gbdt = None
    runners: dict = {}
    if "gbdt" in engines:
        if args.build:
            build_gbdt()
        gbdt = Gbdt(os.path.abspath(args.gbdt_bin))
        try:
            gbdt.check()
        except EngineError as e:
            raise SystemExit(f"compare.py: {e}")
        # Run a private copy: target/ is shared, and a rebuild during a long
        # run must not swap the binary between repeats.
        bin_dir = os.path.join(args.out_dir, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        copy = os.path.join(bin_dir, "gbdt")
        shutil.copy2(gbdt.binary, copy + ".tmp")
        os.replace(copy + ".tmp", copy)
        gbdt.source_binary, gbdt.binary = gbdt.binary, copy
        with open(copy, "rb") as f:
            gbdt.sha256 = hashlib.sha256(f.read()).hexdigest()
        runners["gbdt"] = gbdt
    for e in ("xgboost", "lightgbm"):
        if e in engines:
            try:
                __import__(e)
            except ImportError:
                raise SystemExit(f"compare.py: python package {e} missing: "
                                 f"pip install -r benches/compare/requirements.txt")
            runners[e] = Peer(e)

    started = _dt.datetime.now(_dt.timezone.utc)
    results: dict[str, Any] = {
        "started_utc": started.isoformat(timespec="seconds"),
        "command": "python3 benches/compare/compare.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "args": vars(args), "machine": machine_info(), "versions": versions(gbdt),
        "engines": engines, "tasks": {}, "plot": None,
    }
    load1 = os.getloadavg()[0]
    if load1 > 0.5:
        log(f"WARNING: load average is {load1:.1f}: other processes compete for the CPUs, so the "
            f"times (OpenMP peers especially, whose threads spin-wait) will be noisy and unfair")
    log(f"gbdt benchmark: engines {engines}, tasks {tasks}, regimes {regimes}, scale {args.scale}, "
        f"rounds {args.rounds}, repeats {args.repeats}, threads {args.threads}")

    for task in tasks:
        n = datagen.scaled_rows(task, args.scale)
        log(f"[{task}] data: {n} train rows")
        train, test = datagen.ensure_dataset(task, n, args.seed, data_dir, log=log)
        y_test = pd.read_csv(test, usecols=["y"])["y"].to_numpy()
        tres: dict[str, Any] = {"train_csv": os.path.relpath(train, REPO),
                                "test_csv": os.path.relpath(test, REPO),
                                "train_rows": n, "test_rows": int(y_test.shape[0]),
                                "n_features": datagen.TASKS[task].n_features, "regimes": {}}
        for regime in regimes:
            spec = base_spec(args, task, regime)
            label = f"{task}_n{n}_{regime}"
            workdir = os.path.join(work_root, label)
            log(f"[{task}] {regime}")
            lgb_probe(runners, spec, train, workdir, label)
            reg_res = {"spec": spec, "engines": run_setting(args, runners, engines, spec, train, test,
                                                            workdir, label, y_test=y_test)}
            tres["regimes"][regime] = reg_res
        results["tasks"][task] = tres
        save_partial(args.out_dir, results)

    if not args.skip_plot:
        results["plot"] = run_plot_series(args, runners, engines, regimes, results, data_dir, work_root)

    finished = _dt.datetime.now(_dt.timezone.utc)
    results["finished_utc"] = finished.isoformat(timespec="seconds")
    results["loadavg_at_end"] = list(os.getloadavg())
    results["elapsed_s"] = (finished - started).total_seconds()

    os.makedirs(args.out_dir, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    res_path = os.path.join(args.out_dir, f"results-{stamp}.json")
    with open(res_path, "w") as f:
        json.dump(results, f, indent=1, default=str)
    shutil.copyfile(res_path, os.path.join(args.out_dir, "results.json"))

    plot_path = None
    if results["plot"]:
        plot_path = os.path.join(args.out_dir, "train_time.png")
        report.plot_train_time(results, plot_path)

    plot_rel = "benches/compare/train_time.png" if plot_path else None
    md = report.render_markdown(results, plot_rel=plot_rel)
    if baseline:
        md_print = report.render_markdown(results, plot_rel=plot_rel, baseline=baseline)
    else:
        md_print = md
    md_path = os.path.join(args.out_dir, "table.md")
    with open(md_path, "w") as f:
        f.write(md_print)
    print(md_print)
    log(f"results: {os.path.relpath(res_path, REPO)}; table: {os.path.relpath(md_path, REPO)}"
        + (f"; plot: {os.path.relpath(plot_path, REPO)}" if plot_path else ""))

    if args.update_readme:
        if plot_path:
            shutil.copyfile(plot_path, os.path.join(HERE, "train_time.png"))
        else:
            md = report.render_markdown(results, plot_rel="benches/compare/train_time.png"
                                        if os.path.exists(os.path.join(HERE, "train_time.png")) else None)
        report.update_readme(args.readme, md)
        log(f"updated {args.readme}")
    return 0


def run_plot_series(args, runners, engines, regimes, results, data_dir, work_root) -> dict:
    """Training time against rows for --plot-task: reuse the main run for the
    full-size point, train-only runs (no predict) for the smaller ones."""
    task = args.plot_task
    points: dict[str, dict[str, list]] = {}
    sizes = sorted({max(datagen.MIN_ROWS, int(round(full * args.scale))) for full in PLOT_ROWS_FULL})
    for n in sizes:
        main = results["tasks"].get(task)
        reuse = main is not None and main["train_rows"] == n
        train = None
        if not reuse:
            log(f"[plot] {task} data: {n} train rows")
            train, _ = datagen.ensure_dataset(task, n, args.seed, data_dir, log=log, with_test=False)
        for regime in regimes:
            spec = base_spec(args, task, regime)
            if reuse and regime in main["regimes"]:
                eres = main["regimes"][regime]["engines"]
            else:
                if train is None:
                    train, _ = datagen.ensure_dataset(task, n, args.seed, data_dir, log=log,
                                                      with_test=False)
                label = f"plot_{task}_n{n}_{regime}"
                workdir = os.path.join(work_root, label)
                log(f"[plot] {task} {n} rows {regime}")
                lgb_probe(runners, spec, train, workdir, label)
                eres = run_setting(args, runners, engines, spec, train, None, workdir, label)
            for e in engines:
                fit = eres[e].get("summary", {}).get("fit_s")
                points.setdefault(regime, {}).setdefault(e, []).append([n, fit])
    return {"task": task, "points": points}


if __name__ == "__main__":
    sys.exit(main())
