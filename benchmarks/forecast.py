"""Forecasting benchmark: rnnkit's Forecaster beside naive, seasonal naive, ETS, AutoETS and AutoARIMA.

Six classic series that load offline (sktime's airline, lynx and shampoo; statsmodels' yearly sunspots,
Mauna Loa co2 averaged by month, and the Nile's yearly flow), each scored by rolling origin (Tashman 2000):
the last ``--origins`` windows of ``h`` steps, ``h`` steps apart, each forecast from every earlier step only.
Every method is fitted in the same run, on the same rows:

==============  ===========================================================================================
naive           ``ŷ_{T+k} = y_T``
seasonal naive  ``ŷ_{T+k} = y_{T+k-m⌈k/m⌉}`` (seasonal series only)
ETS             statsmodels' ``ETSModel``: additive errors, additive damped trend, additive season of ``m``
                (Hyndman et al. 2008's ETS(A,Ad,A); ETS(A,Ad,N) without a season); 80 % intervals from it
AutoETS         sktime's ``AutoETS(auto=True, sp=m)``: the ETS form chosen by AICc, its 80 % intervals
AutoARIMA       pmdarima's ``auto_arima`` (seasonal with period ``m`` when there is one), its 80 % intervals
rnnkit          ``Forecaster(horizon=h, random_state=seed, quantiles=(0.1, 0.5, 0.9))``, its defaults
                otherwise (``model="auto"``: the best equal-weight mean of naive, drift, ETS, direct and
                hybrid on validation origins of the training rows, its band calibrated there; the quantiles
                give the 80 % interval, the median the point forecast; ``--param`` sets others;
                ``--variant`` adds a second configuration, fitted on the same rows), over ``--seeds``
                seeds: mean ± standard deviation over the seeds
==============  ===========================================================================================

``--set heldout`` scores four further series the same way, series on which nothing in rnnkit was chosen or
tuned: pmdarima's monthly Australian wine sales (``wineind``), quarterly wool production (``woolyrnq``),
quarterly beer production (``ausbeer``) and quarterly Australian residents (``austres``). ``--set long``: three
long series, vega_datasets' hourly San Francisco temperatures of 2010 (``sf_temps``, 8760 hours, h = 24,
m = 24), statsmodels' weekly Mauna Loa co2 (``co2_weekly``, 2284 weeks, h = 13, m = 52) and vega_datasets'
daily Seattle maximum temperatures (``seattle_tmax``, 1461 days, h = 14, m = 1); seasonal AutoARIMA takes too
long there on 2 cores (``--methods naive,"seasonal naive",ETS``).

Score: MASE (Hyndman & Koehler 2006), the forecast's MAE over the in-sample MAE of the seasonal naive
forecast (season ``m``; ``m = 1``, the naive one, for series without a season) on the origin's training
rows, averaged over the origins; and the share of the held-out values inside the 80 % interval
(``coverage``) for the methods that give one.

    OMP_NUM_THREADS=1 python benchmarks/forecast.py                      # all six, 3 origins, 3 seeds
    OMP_NUM_THREADS=1 python benchmarks/forecast.py --quick              # 1 seed, 30 epochs: a smoke run
    OMP_NUM_THREADS=1 python benchmarks/forecast.py --jobs 3                 # 3 tasks at once, in processes
    OMP_NUM_THREADS=1 python benchmarks/forecast.py --dev                # the windows before the test windows
    OMP_NUM_THREADS=1 python benchmarks/forecast.py --series nile,lynx --param relative=False
    python benchmarks/forecast.py --param lookback=2h                   # "2h": twice the horizon

Writes ``--out`` (default ``runs/forecast_benchmark``): ``results.json`` (every origin's errors) and
``table.md`` (the tables below the machine line).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from layers import machine  # the machine line of the other benchmarks

from rnnkit.forecast import Forecaster
from rnnkit.forecast.evaluation import mase_scale, naive, seasonal_naive
from rnnkit.report import mean_sd


# -- the series: name -> (loader, horizon h, season m) --------------------------------------------------------
def _airline() -> pd.Series:
    from sktime.datasets import load_airline

    return load_airline().astype(float)  # monthly PeriodIndex, 1949-01 .. 1960-12


def _lynx() -> pd.Series:
    from sktime.datasets import load_lynx

    return load_lynx().astype(float)  # yearly PeriodIndex, 1821 .. 1934


def _shampoo() -> pd.Series:
    from sktime.datasets import load_shampoo_sales

    return load_shampoo_sales().astype(float)  # monthly PeriodIndex, 36 months


def _sunspots() -> pd.Series:
    import statsmodels.api as sm

    d = sm.datasets.sunspots.load_pandas().data  # YEAR as floats 1700.0 .. 2008.0
    return pd.Series(d["SUNACTIVITY"].to_numpy(float), index=pd.Index(d["YEAR"].to_numpy(float), name="year"),
                     name="sunspots")


def _co2() -> pd.Series:
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data["co2"]  # 2284 Saturdays, 59 missing
    monthly = weekly.resample("MS").mean()  # 526 months; the few empty ones interpolated linearly
    # From 1980 on (264 months): seasonal AutoARIMA on all 526 takes minutes per origin on 2 cores.
    return monthly.interpolate().loc["1980":].rename("co2").rename_axis("month")


def _nile() -> pd.Series:
    import statsmodels.api as sm

    d = sm.datasets.nile.load_pandas().data  # year as floats 1871.0 .. 1970.0
    return pd.Series(d["volume"].to_numpy(float), index=pd.Index(d["year"].to_numpy(float), name="year"),
                     name="nile")


SERIES = {
    "airline": (_airline, 12, 12),
    "lynx": (_lynx, 10, 1),
    "shampoo": (_shampoo, 6, 1),
    "sunspots": (_sunspots, 10, 1),
    "co2": (_co2, 12, 12),
    "nile": (_nile, 10, 1),
}


def _pmdarima(name: str, start: str, freq: str):
    """pmdarima's dataset ``name`` on a PeriodIndex from ``start`` at ``freq`` (pmdarima gives text or steps)."""

    def load() -> pd.Series:
        import pmdarima.datasets

        y = getattr(pmdarima.datasets, f"load_{name}")(as_series=True).astype(float)
        y = y.iloc[: len(y) - int(np.argmax(y.notna().to_numpy()[::-1]))]  # ausbeer's last quarter is empty
        return pd.Series(y.to_numpy(), index=pd.period_range(start, periods=len(y), freq=freq), name=name)

    return load


HELDOUT = {  # chosen from what ships offline, before any rnnkit run on them; nothing was tuned on them
    "wineind": (_pmdarima("wineind", "1980-01", "M"), 12, 12),  # 176 months
    "woolyrnq": (_pmdarima("woolyrnq", "1965Q1", "Q"), 8, 4),  # 119 quarters
    "ausbeer": (_pmdarima("ausbeer", "1956Q1", "Q"), 8, 4),  # 211 quarters (and an empty last one)
    "austres": (_pmdarima("austres", "1971Q2", "Q"), 8, 4),  # 89 quarters
}
def _vega(loader: str, column: str, freq: str):
    """vega_datasets' ``loader()[column]`` on a regular ``freq`` grid (the few missing steps interpolated)."""

    def load() -> pd.Series:
        from vega_datasets import local_data

        d = getattr(local_data, loader)()
        y = pd.Series(d[column].to_numpy(float), index=pd.DatetimeIndex(d["date"]), name=column)
        return y.resample(freq).mean().interpolate()

    return load


def _co2_weekly() -> pd.Series:
    import statsmodels.api as sm

    return sm.datasets.co2.load_pandas().data["co2"].interpolate().rename("co2")  # 2284 Saturdays, 59 missing


LONG = {  # long series: thousands of windows an epoch (max_epochs="auto" trains them fewer epochs)
    "sf_temps": (_vega("sf_temps", "temp", "h"), 24, 24),  # hourly San Francisco temperature, 2010: 8760 hours
    "co2_weekly": (_co2_weekly, 13, 52),  # Mauna Loa weekly means 1958-2001: 2284 weeks
    "seattle_tmax": (_vega("seattle_weather", "temp_max", "D"), 14, 1),  # daily maximum, 2012-2015: 1461 days
}
SETS = {"six": SERIES, "heldout": HELDOUT, "long": LONG}


# -- the classical methods: (train (T,), h, m) -> (point (h,), lower (h,) | None, upper (h,) | None) ----------
def _ets(y: np.ndarray, h: int, m: int):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = "add" if m > 1 else None
    fit = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=True, seasonal=seasonal,
                   seasonal_periods=m if m > 1 else None).fit(disp=False)
    frame = fit.get_prediction(start=len(y), end=len(y) + h - 1).summary_frame(alpha=0.2)
    return frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


def _auto_ets(y: np.ndarray, h: int, m: int):
    from sktime.forecasting.ets import AutoETS

    f = AutoETS(auto=True, sp=m, n_jobs=1).fit(pd.Series(y))
    fh = np.arange(1, h + 1)
    point = f.predict(fh=fh).to_numpy()
    try:
        band = f.predict_interval(fh=fh, coverage=0.8)
    except TypeError:  # a multiplicative form's simulated interval: sktime 1.2 calls statsmodels 0.15 wrongly
        return point, np.full(h, np.nan), np.full(h, np.nan)
    return point, band.iloc[:, 0].to_numpy(), band.iloc[:, 1].to_numpy()


def _auto_arima(y: np.ndarray, h: int, m: int):
    import pmdarima

    model = pmdarima.auto_arima(y, seasonal=m > 1, m=m, suppress_warnings=True, error_action="ignore")
    point, band = model.predict(h, return_conf_int=True, alpha=0.2)
    return np.asarray(point), band[:, 0], band[:, 1]


CLASSICAL = {
    "naive": lambda y, h, m: (naive(y[:, None], h)[:, 0], None, None),
    "seasonal naive": lambda y, h, m: (seasonal_naive(y[:, None], h, m)[:, 0], None, None),
    "ETS": _ets,
    "AutoETS": _auto_ets,
    "AutoARIMA": _auto_arima,
}


def seed_count(text: str) -> int:
    """An argparse type for ``--seeds``: how many seeds (0 .. N-1), an integer >= 1 (``--seeds 0`` ran nothing)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"the number of seeds to run (seeds 0 .. N-1), an integer >= 1, got {text!r}"
                                         + (" (a list of seeds is ucr.py's form)" if "," in text else ""))
    return int(text)


def parse_params(items: list[str]) -> dict:
    """``["relative=False", "lookback=2h"]`` -> ``{"relative": False, "lookback": "2h"}`` (Python literals;
    other text is kept as a string)."""
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--param {item!r}: expected NAME=VALUE, e.g. relative=False")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params


def rnnkit_params(params: dict, h: int, seed: int, quick: bool) -> dict:
    out = {"horizon": h, "random_state": seed, "quantiles": (0.1, 0.5, 0.9)} | ({"max_epochs": 30} if quick else {}) \
        | params
    for key, value in out.items():  # "2h": a multiple of the horizon
        if isinstance(value, str) and value.endswith("h") and value[:-1].isdigit():
            out[key] = int(value[:-1]) * h
    return out


def _origins(y: pd.Series, h: int, origins: int) -> list[int]:
    """The last ``origins`` origins, ``h`` apart, that leave ``2 h`` rows or more to fit on (on ``--dev`` shampoo's
    18 rows give one: its origins 0 and 6 would fit on nothing or one window)."""
    return [o for o in (len(y) - h - k * h for k in reversed(range(origins))) if o >= 2 * h]


def load_series(set_name: str, name: str, dev_windows: int = 0) -> tuple[pd.Series, int, int]:
    """The series ``name`` of ``set_name`` with its horizon and season, ``(y, h, m)``; ``dev_windows`` > 0 drops
    its last ``dev_windows * h`` rows (the test windows), so that the origins fall on the windows before them,
    the development windows on which a design may be chosen (``--dev``, as forecast_panel.py's)."""
    load, h, m = SETS[set_name][name]
    y = load()
    return y.iloc[: len(y) - dev_windows * h], h, m


def run_classical(set_name: str, name: str, method: str, n_origins: int, dev_windows: int = 0) -> dict:
    """One classical method on one series, every origin."""
    y, h, m = load_series(set_name, name, dev_windows)
    values = y.to_numpy(float)
    per_origin, t0 = [], time.perf_counter()
    for o in _origins(values, h, n_origins):
        train, actual = values[:o], values[o : o + h]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the optimisers' convergence chatter
            point, lower, upper = CLASSICAL[method](train, h, m)
        scale = mase_scale(train[:, None], m)[0]
        row = {"mase": float(np.mean(np.abs(point - actual)) / scale)}
        if lower is not None and not np.isnan(lower).any():  # NaN: no interval at this origin
            row["coverage"] = float(np.mean((actual >= lower) & (actual <= upper)))
        per_origin.append(row)
    return _summary(per_origin, time.perf_counter() - t0)


def run_seed(set_name: str, name: str, params: dict, seed: int, n_origins: int, quick: bool,
             dev_windows: int = 0) -> dict:
    """One rnnkit configuration and seed on one series, every origin: its errors and what it chose."""
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    y, h, m = load_series(set_name, name, dev_windows)
    values = y.to_numpy(float)
    per_origin, t0 = [], time.perf_counter()
    for o in _origins(values, h, n_origins):
        train, actual = y.iloc[:o], values[o : o + h]
        f = Forecaster(**rnnkit_params(params, h, seed, quick)).fit(train)
        p = f.predict()
        scale = mase_scale(values[:o, None], m)[0]
        if isinstance(p, pd.DataFrame):  # quantiles: the median is the point forecast, 0.1..0.9 the band
            point, lower, upper = (p[q].to_numpy(float) for q in (0.5, 0.1, 0.9))
            row = {"mase": float(np.mean(np.abs(point - actual)) / scale),
                   "coverage": float(np.mean((actual >= lower) & (actual <= upper)))}
        else:
            row = {"mase": float(np.mean(np.abs(p.to_numpy(float) - actual)) / scale)}
        row["model"] = "+".join(getattr(f, "components_", (getattr(f, "model_kind_", "direct"),)))
        per_origin.append(row)
        chosen = {k: getattr(f, k) for k in ("model_kind_", "season_length_", "lookback_", "relative_")
                  if hasattr(f, k)}
        chosen["components_"] = row["model"]
    return _summary(per_origin, time.perf_counter() - t0) | {"chosen": {k: _plain(v) for k, v in chosen.items()}}


def run_all(names: list[str], args, variants: dict[str, dict]) -> dict:
    """Every (series, classical method) and (series, configuration, seed) as its own task, ``--jobs`` at a time
    in separate processes (each on ``OMP_NUM_THREADS`` threads); the results gathered per series."""
    tasks, dev_windows = {}, args.origins if args.dev else 0
    for name in names:
        m = SETS[args.set][name][2]
        for method in args.methods:
            if m > 1 or method != "seasonal naive":
                tasks[(name, method, None)] = (run_classical, args.set, name, method, args.origins, dev_windows)
        for label, params in variants.items():
            for seed in range(args.seeds):
                tasks[(name, label, seed)] = (run_seed, args.set, name, params, seed, args.origins, args.quick,
                                              dev_windows)
    # the shortest series first, so that a run cut short (on a busy machine) has whole rows to show
    length = {name: len(SETS[args.set][name][0]()) for name in names}
    order = sorted(tasks, key=lambda k: (length[k[0]], k[2] is not None))
    done, partial = {}, Path(args.out) / "partial.json"
    partial.parent.mkdir(parents=True, exist_ok=True)
    if args.resume and partial.exists():  # a run cut short: keep what it finished, run the rest
        done = _read_partial(partial)
        order = [key for key in order if key not in done]

    def finished(key, got):  # every finished task on disk at once: a run cut short keeps what it measured
        done[key] = got
        partial.write_text(json.dumps([[list(map(str, k)), v] for k, v in done.items()], indent=1))

    if args.jobs == 1:
        for key in order:
            fn, *a = tasks[key]
            finished(key, fn(*a))
    else:
        import concurrent.futures
        import multiprocessing

        with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(tasks[key][0], *tasks[key][1:]): key for key in order}
            for future in concurrent.futures.as_completed(futures):
                finished(futures[future], future.result())
    return assemble(done, names, args, variants)


def _read_partial(path: Path) -> dict:
    """The finished tasks of ``partial.json`` as ``(series, method or label, seed or None) -> result``."""
    return {(k[0], k[1], None if k[2] == "None" else int(k[2])): v for k, v in json.loads(path.read_text())}


def assemble(done: dict, names: list[str], args, variants: dict[str, dict]) -> dict:
    """The finished tasks ``done`` (key -> result) as per-series results; a series with an unfinished rnnkit
    seed is left out."""
    results = {}
    for name in names:
        if any((name, label, seed) not in done for label in variants for seed in range(args.seeds)):
            continue
        y, h, m = load_series(args.set, name, args.origins if args.dev else 0)
        r = {"h": h, "m": m, "n": len(y), "origins": [str(y.index[o]) for o in _origins(y, h, args.origins)],
             "methods": {}}
        for (key_name, method, seed), got in done.items():
            if key_name == name and seed is None:
                r["methods"][method] = got
        r["methods"] = {k: r["methods"][k] for k in args.methods if k in r["methods"]}  # the table's order
        for label in variants:
            seeds = [done[(name, label, seed)] for seed in range(args.seeds)]
            mean, sd = mean_sd([s["mase"] for s in seeds])  # the sample sd over the seeds (nan for one seed)
            out = {"mase": mean, "mase_std": 0.0 if np.isnan(sd) else sd, "seeds": seeds,
                   "seconds": float(sum(s["seconds"] for s in seeds))}
            if all("coverage" in s for s in seeds):  # over the seeds and origins
                out |= {"coverage": float(np.mean([s["coverage"] for s in seeds])),
                        "origins_with_interval": len(r["origins"])}
            r["methods"][label] = out
        results[name] = r
        print(f"{name}: " + ", ".join(f"{k} {v['mase']:.2f}" for k, v in r["methods"].items()), flush=True)
    return results


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _summary(per_origin: list[dict], seconds: float) -> dict:
    out = {"mase": float(np.mean([r["mase"] for r in per_origin])), "per_origin": per_origin, "seconds": seconds}
    covered = [r["coverage"] for r in per_origin if "coverage" in r]
    if covered:  # over the origins that gave an interval
        out["coverage"] = float(np.mean(covered))
        out["origins_with_interval"] = len(covered)
    return out


def _coverage(got: dict, origins: int) -> str:
    if "coverage" not in got:
        return "—"
    n = got["origins_with_interval"]
    return f"{got['coverage']:.2f}" + ("" if n == origins else f" ({n} of {origins} origins)")


def tables(results: dict, labels: list[str]) -> str:
    methods = [k for k in CLASSICAL if any(k in r["methods"] for r in results.values())] + labels
    head = "| series (h, m) | " + " | ".join(methods) + " |"
    lines = ["MASE (mean over the origins; rnnkit: mean ± sample sd over the seeds, the mean alone for one seed)",
             "", head, "|" + "---|" * (len(methods) + 1)]
    means = {k: [] for k in methods}
    for name, r in results.items():
        cells = []
        for k in methods:
            got = r["methods"].get(k)
            if got is None:
                cells.append("—")
                continue
            means[k].append(got["mase"])
            spread = k in labels and len(got["seeds"]) > 1  # one seed shows no spread, not a spread of 0
            cells.append(f"{got['mase']:.2f} ± {got['mase_std']:.2f}" if spread else f"{got['mase']:.2f}")
        lines.append(f"| {name} ({r['h']}, {r['m']}) | " + " | ".join(cells) + " |")
    if len(results) > 1:
        lines.append("| **mean** | " + " | ".join(
            f"{np.mean(v):.2f}" + ("" if len(v) == len(results) else f" ({len(v)} series)") if v else "—"
            for v in means.values()) + " |")
    with_band = [k for k in methods if any("coverage" in r["methods"].get(k, {}) for r in results.values())]
    if with_band:
        lines += ["", "Coverage of the 80 % interval (share of held-out values inside it)", "",
                  "| series | " + " | ".join(with_band) + " |", "|" + "---|" * (len(with_band) + 1)]
        for name, r in results.items():
            lines.append(f"| {name} | " + " | ".join(_coverage(r["methods"].get(k, {}), len(r["origins"]))
                                                     for k in with_band) + " |")
    lines += ["", f"Wall-clock seconds per fit of {labels[0]} (mean over the seeds and origins; on a busy machine this "
              "counts the waits)", "", "| series | " + " | ".join(results) + " |", "|" + "---|" * (len(results) + 1),
              "| seconds | " + " | ".join(f"{r['methods'][labels[0]]['seconds'] / fits:.0f}" for r in results.values()
                                      if (fits := len(r["methods"][labels[0]]["seeds"]) * len(r["origins"]))) + " |"]
    models = {name: sorted({row.get("model") for s in r["methods"][labels[0]]["seeds"] for row in s["per_origin"]}
                           - {None}) for name, r in results.items()}
    if any(models.values()):
        lines += ["", f"What {labels[0]} chose, over every seed and origin", "", "| series | models |", "|---|---|"]
        lines += [f"| {name} | {', '.join(v)} |" for name, v in models.items()]
    chosen = {name: r["methods"][labels[0]]["seeds"][0].get("chosen") for name, r in results.items()}
    if any(chosen.values()):
        lines += ["", f"What {labels[0]} chose (the last origin's fit of seed 0)", "",
                  "| series | " + " | ".join(next(v for v in chosen.values() if v)) + " |",
                  "|" + "---|" * (1 + len(next(v for v in chosen.values() if v)))]
        for name, c in chosen.items():
            lines.append(f"| {name} | " + " | ".join(str(v) for v in c.values()) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--set", default="six", choices=list(SETS),
                   help="the six series, the held-out four, or the long three")
    p.add_argument("--series", help="comma-separated, among the set's (default: all of them)")
    p.add_argument("--seeds", type=seed_count, default=3, help="the number of seeds: 0 .. N-1 (default 3)")
    p.add_argument("--origins", type=int, default=3)
    p.add_argument("--methods", default=",".join(CLASSICAL),
                   help=f"classical methods, comma-separated, among {', '.join(CLASSICAL)}")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a Forecaster parameter (repeatable): relative=False, lookback=2h (twice the horizon)")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL:NAME=VALUE,...",
                   help="another rnnkit configuration beside the first: 'fixed:lookback=2h,relative=True'")
    p.add_argument("--quick", action="store_true", help="1 seed, 30 epochs: a smoke run")
    p.add_argument("--tables-from", metavar="DIR",
                   help="write the tables from DIR/partial.json, the tasks that a run cut short finished")
    p.add_argument("--resume", action="store_true",
                   help="continue a run cut short: the tasks in OUT/partial.json are kept, the others run")
    p.add_argument("--jobs", type=int, default=1,
                   help="tasks (a classical method, or a seed of rnnkit, on one series) run at once in processes")
    p.add_argument("--dev", action="store_true",
                   help="score the --origins windows before the test windows (each series' last origins * h rows "
                        "dropped), for design choices that must not see the test windows")
    p.add_argument("--out", default="runs/forecast_benchmark")
    args = p.parse_args(argv)
    names = args.series.split(",") if args.series else list(SETS[args.set])
    unknown = [s for s in names if s not in SETS[args.set]]
    if unknown:
        raise SystemExit(f"--series: unknown {unknown}; choose among {list(SETS[args.set])}")
    args.methods = args.methods.split(",")
    if any(k not in CLASSICAL for k in args.methods):
        raise SystemExit(f"--methods: choose among {list(CLASSICAL)}, got {args.methods}")
    if args.quick:
        args.seeds = 1
    params = parse_params(args.param)
    first = "rnnkit" + "".join(f" {k}={v}" for k, v in params.items())
    variants = {first: params}
    for item in args.variant:
        label, _, spec = item.partition(":")
        variants[f"rnnkit {label}"] = parse_params(spec.split(",") if spec else [])
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    t0 = time.perf_counter()
    if args.tables_from:  # a run cut short: the tables of the series whose every task finished
        results = assemble(_read_partial(Path(args.tables_from) / "partial.json"), names, args, variants)
    else:
        results = run_all(names, args, variants)
    settings = f"{args.origins} origins, seeds 0..{args.seeds - 1}" + (", quick: 30 epochs" if args.quick else "") \
        + (f", {args.jobs} processes" if args.jobs > 1 else "") + (", resumed" if args.resume else "") \
        + (", dev: the windows before the test windows" if args.dev else "")
    total = f"tables from {args.tables_from}/partial.json: the series whose every task had finished" \
        if args.tables_from else f"total {time.perf_counter() - t0:.0f} s"
    text = f"{machine('cpu')}; {settings}\n\n{tables(results, list(variants))}\n\n{total}\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"variants": variants, "seeds": args.seeds, "quick": args.quick,
                                                  "origins": args.origins, "dev": args.dev, "series": results},
                                                 indent=1))
    (out / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
