"""Markdown tables, the training-time plot and the README section for
compare.py.  Everything here reads the results dict (the same structure as
the results JSON), so a table can be re-rendered from an old results file:

    python3 benches/compare/report.py benches/compare/out/results.json [BASELINE.json]

With a second results file it also prints gbdt's times and metrics against
that baseline.
"""

from __future__ import annotations

import json
import os
import sys

START = "<!-- BENCH:START -->"
END = "<!-- BENCH:END -->"
NAMES = {"gbdt": "gbdt", "xgboost": "XGBoost", "lightgbm": "LightGBM"}
PEERS = ("xgboost", "lightgbm")
# Lower is better for these metrics; higher is better for the others.
LOWER_BETTER = {"logloss", "rmse", "mlogloss"}
RELATIVE = {"logloss", "rmse", "mlogloss"}  # deltas also shown in percent


def _fmt_s(v) -> str:
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 0.1:
        return f"{v:.2f}"
    if v >= 0.001:
        return f"{v:.3f}"
    return f"{v:.1e}"


def _ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}×"


def _summary(entry: dict | None, key: str):
    if not entry or "summary" not in entry:
        return None
    return entry["summary"].get(key)


def _rows(results: dict):
    for task, t in results.get("tasks", {}).items():
        for regime, r in t["regimes"].items():
            yield task, t, regime, r


def _time_table(results: dict, key: str, rows_key: str, title: str, extra=None) -> list[str]:
    engines = results["engines"]
    peers = [p for p in PEERS if p in engines]
    head = ["Task", "Regime", "Rows"] + [NAMES[e] for e in engines]
    if "gbdt" in engines:
        head += [f"gbdt / {NAMES[p]}" for p in peers]
    if extra:
        head += [h for h, _ in extra]
    out = [title, "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, t, regime, r in _rows(results):
        es = r["engines"]
        vals = {e: _summary(es.get(e), key) for e in engines}
        cells = [task, regime, f"{t[rows_key]:,}"]
        for e in engines:
            cells.append("error" if es.get(e, {}).get("errors") and vals[e] is None else _fmt_s(vals[e]))
        if "gbdt" in engines:
            cells += [_ratio(vals["gbdt"], vals[p]) for p in peers]
        if extra:
            cells += [f(r) for _, f in extra]
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def _fmt_metric(name: str, v) -> str:
    return "—" if v is None else f"{v:.4f}" if name != "rmse" else f"{v:.4f}"


def _delta(name: str, g, p) -> str:
    if g is None or p is None:
        return "—"
    d = g - p
    s = f"{d:+.4f}"
    if name in RELATIVE and p != 0:
        s += f" ({100 * d / p:+.2f}%)"
    return s


def _metric_table(results: dict) -> list[str]:
    engines = results["engines"]
    peers = [p for p in PEERS if p in engines]
    head = ["Task", "Regime", "Metric"] + [NAMES[e] for e in engines]
    if "gbdt" in engines:
        head += [f"gbdt − {NAMES[p]}" for p in peers]
    out = ["### Test metrics (same test CSV, same sklearn code for every engine)", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, t, regime, r in _rows(results):
        es = r["engines"]
        names = []
        for e in engines:
            for m in (es.get(e, {}).get("metrics") or {}):
                if m not in names:
                    names.append(m)
        for m in names:
            vals = {e: (es.get(e, {}).get("metrics") or {}).get(m) for e in engines}
            cells = [task, regime, m] + [_fmt_metric(m, vals[e]) for e in engines]
            if "gbdt" in engines:
                cells += [_delta(m, vals["gbdt"], vals[p]) for p in peers]
            out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("Lower is better for logloss, rmse and mlogloss; higher for auc and accuracy.")
    return out + [""]


def _fmt_rss(entry) -> str:
    v = _summary(entry, "peak_maxrss_mb")
    if v is None:
        return "—"
    # "≤": measured without GNU time, so the figure includes the forking
    # Python process's high-water mark (an upper bound).
    return f"{v:.0f}" if _summary(entry, "maxrss_exact") else f"≤{v:.0f}"


def _memory_extra(results: dict):
    engines = results["engines"]
    cols = []
    for e in engines:
        cols.append((f"peak RSS {NAMES[e]} (MiB)", lambda r, e=e: _fmt_rss(r["engines"].get(e))))
    return cols


def issue2_checks(results: dict) -> list[str]:
    """Issue 2's acceptance points 1 and 2 (depth-wise runs vs XGBoost hist)."""
    tasks = results.get("tasks", {})
    engines = results["engines"]
    if "gbdt" not in engines or "xgboost" not in engines:
        return []
    lines = []

    def get(task, e, what, key):
        r = tasks.get(task, {}).get("regimes", {}).get("depthwise")
        if not r:
            return None
        ent = r["engines"].get(e) or {}
        return (ent.get("metrics") or {}).get(key) if what == "m" else _summary(ent, key)

    def mark(ok):
        return "—" if ok is None else ("pass" if ok else "**FAIL**")

    checks = []
    g, x = get("binary", "gbdt", "m", "auc"), get("binary", "xgboost", "m", "auc")
    if g is not None and x is not None:
        checks.append(("binary AUC within 0.002 of XGBoost", f"{g - x:+.4f}", g >= x - 0.002))
    g, x = get("binary", "gbdt", "m", "logloss"), get("binary", "xgboost", "m", "logloss")
    if g is not None and x is not None:
        checks.append(("binary logloss within 0.5%", f"{100 * (g / x - 1):+.2f}%", g <= x * 1.005))
    g, x = get("regression", "gbdt", "m", "rmse"), get("regression", "xgboost", "m", "rmse")
    if g is not None and x is not None:
        checks.append(("regression RMSE within 1%", f"{100 * (g / x - 1):+.2f}%", g <= x * 1.01))
    g, x = get("multiclass", "gbdt", "m", "mlogloss"), get("multiclass", "xgboost", "m", "mlogloss")
    if g is not None and x is not None:
        checks.append(("multiclass mlogloss within 0.5%", f"{100 * (g / x - 1):+.2f}%", g <= x * 1.005))
    gf, xf = get("binary", "gbdt", "s", "fit_s"), get("binary", "xgboost", "s", "fit_s")
    if gf is not None and xf is not None:
        checks.append(("binary training time ≤ XGBoost", f"{gf / xf:.2f}×", gf <= xf))
    lf = get("binary", "lightgbm", "s", "fit_s")
    if gf is not None and lf is not None:
        checks.append(("binary training time ≤ 1.2× LightGBM", f"{gf / lf:.2f}×", gf <= 1.2 * lf))
    gp = get("binary", "gbdt", "s", "predict_s")
    for p in PEERS:
        pp = get("binary", p, "s", "predict_s")
        if gp is not None and pp is not None:
            checks.append((f"binary prediction faster than {NAMES[p]}", f"{gp / pp:.2f}×", gp < pp))
    mem = get("binary", "gbdt", "s", "peak_maxrss_mb")
    bt = tasks.get("binary", {})
    if not checks:
        return []
    lines += ["### Issue 2 acceptance (depth-wise, gbdt vs XGBoost hist / LightGBM)", "",
              "| Check | Value | Result |", "|---|---|---|"]
    for name, val, ok in checks:
        lines.append(f"| {name} | {val} | {mark(ok)} |")
    if mem is not None:
        ref = ""
        if bt.get("train_rows") and bt.get("n_features"):
            cells = bt["train_rows"] * bt["n_features"]
            ref = (f" (for scale: the f32 matrix is {cells * 4 / 2**20:.0f} MiB, "
                   f"the u8 bins {cells / 2**20:.0f} MiB)")
        lines.append(f"| gbdt peak memory, binary training | {mem:.0f} MiB{ref} | — |")
    lines.append("")
    lines.append("Accuracy checks pass when gbdt is within the tolerance or better.")
    return lines + [""]


def biggest_gaps(results: dict) -> list[str]:
    engines = results["engines"]
    if "gbdt" not in engines:
        return []
    worst = None
    for task, t, regime, r in _rows(results):
        es = r["engines"]
        for key, what in (("fit_s", "training"), ("predict_s", "prediction"),
                          ("e2e_s", "end-to-end")):
            g = _summary(es.get("gbdt"), key)
            for p in PEERS:
                v = _summary(es.get(p), key)
                if g and v:
                    ratio = g / v
                    if ratio > 1 and (worst is None or ratio > worst[0]):
                        worst = (ratio, f"{what} time, {task} {regime}: gbdt takes "
                                        f"{ratio:.2f}× {NAMES[p]}'s time ({_fmt_s(g)} s vs {_fmt_s(v)} s)")
    wm = None
    for task, t, regime, r in _rows(results):
        es = r["engines"]
        gm = (es.get("gbdt") or {}).get("metrics") or {}
        for p in PEERS:
            pm = (es.get(p) or {}).get("metrics") or {}
            for m, g in gm.items():
                v = pm.get(m)
                if v is None or v == 0:
                    continue
                rel = (g - v) / abs(v) if m in LOWER_BETTER else (v - g) / abs(v)
                if rel > 0 and (wm is None or rel > wm[0]):
                    wm = (rel, f"{m}, {task} {regime}: gbdt {g:.4f} vs {NAMES[p]} {v:.4f} "
                               f"({100 * rel:.2f}% worse)")
    lines = ["### Biggest gaps where gbdt is behind", ""]
    lines.append(f"- Speed: {worst[1]}." if worst else "- Speed: none; gbdt is at least as fast as "
                 "both peers in every measured time.")
    lines.append(f"- Accuracy: {wm[1]}." if wm else "- Accuracy: none; gbdt's metrics are at least as "
                 "good as both peers' everywhere.")
    return lines + [""]


def baseline_section(results: dict, base: dict) -> list[str]:
    """gbdt now against gbdt in an earlier results file: did a change make us
    faster or less accurate?"""
    bv = base.get("versions", {})
    lines = [f"### gbdt against the baseline run of {base.get('started_utc', '?')} "
             f"(commit {bv.get('gbdt_commit')})", "",
             "| Task | Regime | fit now / before | predict now / before | e2e now / before | metrics now − before |",
             "|---|---|---|---|---|---|"]
    diff = [k for k in ("rounds", "threads", "seed", "scale")
            if base.get("args", {}).get(k) != results.get("args", {}).get(k)]
    if diff:
        lines.insert(2, "Caution: the runs differ in " + ", ".join(
            f"{k} ({base['args'].get(k)} then, {results['args'].get(k)} now)" for k in diff) + ".")
        lines.insert(3, "")
    n = 0
    for task, t, regime, r in _rows(results):
        bt = base.get("tasks", {}).get(task)
        br = (bt or {}).get("regimes", {}).get(regime)
        if not br or bt.get("train_rows") != t.get("train_rows"):
            continue
        g, b = r["engines"].get("gbdt"), br["engines"].get("gbdt")
        if not g or not b:
            continue
        cells = [task, regime] + [_ratio(_summary(g, k), _summary(b, k))
                                  for k in ("fit_s", "predict_s", "e2e_s")]
        gm, bm = g.get("metrics") or {}, b.get("metrics") or {}
        cells.append(", ".join(f"{m} {_delta(m, gm[m], bm.get(m))}" for m in gm if m in bm) or "—")
        lines.append("| " + " | ".join(cells) + " |")
        n += 1
    if n == 0:
        return [f"(baseline {base.get('started_utc')} has no gbdt run with the same tasks and row counts)", ""]
    return lines + [""]


def render_markdown(results: dict, plot_rel: str | None = None, baseline: dict | None = None) -> str:
    a = results["args"]
    m = results["machine"]
    v = results["versions"]
    date = results.get("started_utc", "?").replace("T", " ").replace("+00:00", " UTC")
    gv = v.get("gbdt") or "not run"
    if v.get("gbdt_commit"):
        gv += f" (commit {v['gbdt_commit']})"
    lines = [
        "_Written by `benches/compare/compare.py`; do not edit by hand._",
        "",
        f"- **Date:** {date}",
        f"- **Machine:** {m.get('cpu')}, {m.get('usable_cpus')} usable of {m.get('logical_cpus')} "
        f"logical CPUs, {m.get('mem_gb')} GB RAM; {m.get('os')}; load average at start "
        f"{(m.get('loadavg_at_start') or [float('nan')])[0]:.2f}" + (
            f", at end {results['loadavg_at_end'][0]:.2f}" if results.get("loadavg_at_end") else ""),
        f"- **Versions:** gbdt {gv}; XGBoost {v.get('xgboost')}; LightGBM {v.get('lightgbm')}; "
        f"Python {v.get('python')}; numpy {v.get('numpy')}; pandas {v.get('pandas')}; "
        f"scikit-learn {v.get('sklearn')}",
        f"- **Command:** `{results.get('command')}`",
        f"- **Settings:** {a['rounds']} rounds, learning rate 0.1, 256 bins (LightGBM: 255 + NaN bin), "
        f"{a['threads']} threads, lambda 1, alpha 0, gamma 0, min_child_weight 1 "
        f"(LightGBM: min_sum_hessian_in_leaf 1, min_data_in_leaf 1); depth-wise = max_depth 6 "
        f"(LightGBM num_leaves 64), leaf-wise = 255 leaves, no depth limit. Data scale {a['scale']}, "
        f"seed {a['seed']}. Times are medians of {a['repeats']} runs, in seconds.",
    ]
    lgb_modes = sorted({r["spec"].get("lgb_multithreading") for _, _, _, r in _rows(results)
                        if r["spec"].get("lgb_multithreading")})
    if lgb_modes:
        lines.append(f"- **LightGBM multithreading:** forced to what it auto-chooses on each data set "
                     f"({', '.join(lgb_modes)}).")
    lines.append("")
    lines += _time_table(results, "fit_s", "train_rows",
                         "### Training time (fit only: binning + boosting, data already in memory)")
    lines += _time_table(results, "predict_s", "test_rows",
                         "### Prediction time (test set, data already in memory)")
    lines += _time_table(results, "e2e_s", "train_rows",
                         "### End to end (CSV to saved model) and peak memory of the training process",
                         extra=_memory_extra(results))
    lines += _metric_table(results)
    lines += issue2_checks(results)
    lines += biggest_gaps(results)
    if baseline:
        lines += baseline_section(results, baseline)
    for task, t, regime, r in _rows(results):
        for e, ent in r["engines"].items():
            for err in ent.get("errors") or []:
                lines.append(f"- **{NAMES[e]} failed on {task} {regime}:** "
                             f"`{err.splitlines()[0][:200]}`")
    if plot_rel:
        p = results.get("plot") or {}
        lines += ["", f"![Training time against rows ({p.get('task', 'binary')} task)]({plot_rel})", ""]
    return "\n".join(lines).rstrip() + "\n"


def _rows_label(v, _pos=None) -> str:
    if v >= 1e6:
        return f"{v / 1e6:g}M"
    if v >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def plot_train_time(results: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plot = results["plot"]
    regimes = list(plot["points"].keys())
    fig, axes = plt.subplots(1, len(regimes), figsize=(5.5 * len(regimes), 4.2), squeeze=False)
    colors = {"gbdt": "#d62728", "xgboost": "#1f77b4", "lightgbm": "#2ca02c"}
    for ax, regime in zip(axes[0], regimes):
        for e, pts in plot["points"][regime].items():
            pts = [(n, s) for n, s in pts if s is not None]
            if not pts:
                continue
            xs, ys = zip(*pts)
            ax.plot(xs, ys, marker="o", label=NAMES[e], color=colors.get(e))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_rows_label))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.tick_params(axis="y", which="minor", labelsize=7)
        xs_all = sorted({n for pts in plot["points"][regime].values() for n, _ in pts})
        ax.set_xticks(xs_all)
        ax.set_xlabel("training rows")
        ax.set_ylabel("fit time (s, median)")
        ax.set_title(f"{plot['task']} task, {regime}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    a, m = results["args"], results["machine"]
    fig.suptitle(f"{a['rounds']} rounds, {a['threads']} threads, 256 bins — {m.get('cpu')}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_readme(readme: str, md: str) -> None:
    if not os.path.exists(readme):
        raise SystemExit(f"compare.py: {readme} not found; cannot --update-readme")
    with open(readme) as f:
        text = f.read()
    i, j = text.find(START), text.find(END)
    if i < 0 or j < 0 or j < i:
        raise SystemExit(f"compare.py: {readme} has no '{START}' ... '{END}' section; "
                         f"add the two markers where the table should go")
    new = text[: i + len(START)] + "\n" + md + text[j:]
    tmp = readme + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, readme)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        res = json.load(f)
    base = None
    if len(sys.argv) == 3:
        with open(sys.argv[2]) as f:
            base = json.load(f)
    print(render_markdown(res, baseline=base))
