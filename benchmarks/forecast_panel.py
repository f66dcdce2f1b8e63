"""Panel forecasting benchmark: one GlobalForecaster over many related series beside per-series baselines.

Three panels that load offline, every column one series:

==========  =====================================================================================  =====  ==
panel       series                                                                                 h      m
==========  =====================================================================================  =====  ==
macrodata   statsmodels' US macro data, 12 quarterly series 1959Q1-2009Q3 (203 quarters): real GDP,  8      4
            consumption, investment, ..., CPI, M1, T-bill rate, unemployment, population,
            inflation, real interest rate; levels from 0 to 13 000, trending and not
uschange    sktime's ``load_uschange``: quarterly % changes of US consumption, income, production,   8      4
            savings, unemployment, 1970Q1-2016Q3 (187 quarters)
elnino      statsmodels' El Niño sea surface temperatures, one series per calendar month, yearly     6      1
            1950-2010 (12 series of 61 years)
danish      held out: statsmodels' Danish money demand data, 5 quarterly series 1974Q1-1987Q3 (55      4      4
            quarters): log real money, log real income, log prices, bond and deposit rates
stocks      held out: vega_datasets' monthly closing prices of MSFT, AMZN, IBM, AAPL, 2000-01 to      6      1
            2010-03 (123 months; GOOG, shorter, left out)
==========  =====================================================================================  =====  ==

The held-out panels (``--panels danish,stocks``; not in the default run) were not run while the
``model="auto"`` combination was designed: they check it on series it was not shaped on.

Each panel is scored by rolling origin (Tashman 2000): the last ``--origins`` windows of ``h`` steps, ``h``
steps apart; at each origin every method sees only the earlier rows of every series. Per-series methods
(benchmarks/forecast.py's, fitted on each series alone): naive, seasonal naive (``m > 1``), ETS (statsmodels'
ETS(A,Ad,A), ETS(A,Ad,N) without a season) and AutoARIMA (pmdarima). The global model:
``GlobalForecaster(lookback=2h, horizon=h, cell="gru")``, its defaults otherwise (``model="auto"``: per series,
the equal-weight mean of the best of naive, drift, ETS and the global direct and hybrid nets, chosen on up to
3 validation origins inside the origin's training rows, which also calibrate the 80 % band, split
conformal), fitted per origin on all series at once, over ``--seeds`` seeds (point forecast: the median).
``--model`` fixes the model instead (``direct`` or ``hybrid``: the net alone, its band calibrated on one
window). The model chosen at each origin is shown in parentheses (the combination's members, ``member:count``
of series).

Score: MASE (Hyndman & Koehler 2006; the in-sample MAE of the seasonal naive forecast of season ``m`` on the
origin's training rows) per series and origin, averaged over both; the share of held-out values inside the
80 % interval (``coverage``); and, per baseline, the number of series on which it beats the global model's
mean MASE (over the origins; the global model's seed 0).

    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py                       # 3 panels, 3 origins, 3 seeds
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --quick               # 1 seed, 20 epochs
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --panels elnino --methods naive,ETS
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --panels danish,stocks    # the held-out panels
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --dev   # the windows before the test windows
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --dev --pool 0,1,panel   # one column per pool
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --dev --validation-origins 5   # model='auto' with 5
    OMP_NUM_THREADS=1 python benchmarks/forecast_panel.py --dev --members 3   # every net a seed ensemble of 3

``--pool`` sets ``GlobalForecaster(pool=...)`` (how much the choice of each series leans on the panel's
evidence); several values, comma-separated, score one global model each ("global pool=..."), the nets fitted
once per origin and seed and shared by them (the pool changes the choice, not the nets: the same figures as
separate runs, in about half the time).

Writes ``--out`` (default ``runs/forecast_panel_benchmark``): ``results.json`` and ``table.md``.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from forecast import CLASSICAL, seed_count  # the per-series methods of the single-series benchmark
from layers import machine  # the machine line of the other benchmarks

from rnnkit.forecast import GlobalForecaster, combination
from rnnkit.forecast.evaluation import mase_scale
from rnnkit.report import mean_sd


# -- the panels: name -> (loader -> wide DataFrame indexed by time, one column per series; h; m) ----------------
def _macrodata() -> pd.DataFrame:
    import statsmodels.api as sm

    d = sm.datasets.macrodata.load_pandas().data
    index = pd.period_range("1959Q1", periods=len(d), freq="Q")
    return d.drop(columns=["year", "quarter"]).set_axis(index)


def _uschange() -> pd.DataFrame:
    from sktime.datasets import load_uschange

    y, X = load_uschange()
    return pd.concat([y.rename("Consumption"), X], axis=1).set_axis(pd.period_range("1970Q1", periods=len(y),
                                                                                    freq="Q"))


def _elnino() -> pd.DataFrame:
    import statsmodels.api as sm

    d = sm.datasets.elnino.load_pandas().data
    return d.drop(columns="YEAR").set_axis(d["YEAR"].astype(int).to_numpy())


def _danish() -> pd.DataFrame:
    import statsmodels.api as sm

    d = sm.datasets.danish_data.load_pandas().data
    return d.set_axis(pd.period_range("1974Q1", periods=len(d), freq="Q"))


def _stocks() -> pd.DataFrame:
    from vega_datasets import local_data

    d = local_data.stocks()
    wide = d.pivot(index="date", columns="symbol", values="price")[["MSFT", "AMZN", "IBM", "AAPL"]]
    return wide.set_axis(pd.PeriodIndex(wide.index, freq="M"))


PANELS = {"macrodata": (_macrodata, 8, 4), "uschange": (_uschange, 8, 4), "elnino": (_elnino, 6, 1),
          "danish": (_danish, 4, 4), "stocks": (_stocks, 6, 1)}
HELD_OUT = ("danish", "stocks")  # not run while the model="auto" combination was designed


def long(wide: pd.DataFrame) -> pd.DataFrame:
    """Wide (time x series) -> long (unique_id, ds, y), series after series."""
    return (wide.rename_axis("ds").reset_index().melt(id_vars="ds", var_name="unique_id", value_name="y")
            [["unique_id", "ds", "y"]])


def run_panel(name: str, args) -> dict:
    load, h, m = PANELS[name]
    wide = load().astype(float)
    if args.dev:  # the test windows dropped: the windows before them, for choosing a design
        wide = wide.iloc[: len(wide) - args.origins * h]
    n = len(wide)
    origins = [n - h - k * h for k in reversed(range(args.origins))]
    methods = [k for k in args.methods if m > 1 or k != "seasonal naive"]
    series = list(wide.columns)
    result = {"h": h, "m": m, "n": n, "series": [str(s) for s in series],
              "origins": [str(wide.index[o]) for o in origins], "methods": {}}
    scales = {(s, o): mase_scale(wide[s].to_numpy()[:o, None], m)[0] for s in series for o in origins}
    for method in methods:
        per, t0 = {}, time.perf_counter()
        for s in series:
            values = wide[s].to_numpy()
            for o in origins:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the optimisers' convergence chatter
                    point, lower, upper = CLASSICAL[method](values[:o], h, m)
                per[(s, o)] = _score(values[o : o + h], point, lower, upper, scales[(s, o)])
        result["methods"][method] = _summary(per, time.perf_counter() - t0)
        print(f"  {name} {method}: MASE {result['methods'][method]['mase']:.3f}", flush=True)
    keys = {pool: "global" if len(args.pool) == 1 else f"global pool={pool}" for pool in args.pool}
    seeds, t0 = {pool: [] for pool in args.pool}, time.perf_counter()
    panel = long(wide)
    for seed in range(args.seeds):
        per, chosen = {pool: {} for pool in args.pool}, {pool: [] for pool in args.pool}
        for o in origins:
            train = panel.groupby("unique_id", sort=False).head(o)
            for pool in args.pool:
                model = GlobalForecaster if args.members == 1 else _seed_ensemble(args.members)
                g = model(lookback=2 * h, horizon=h, cell="gru", hidden_size=args.hidden, model=args.model, pool=pool,
                          max_epochs=args.epochs, random_state=seed, device="cpu").fit(train)
                chosen[pool].append(_chosen(g))
                p = g.predict()
                for s in series:
                    f = p[p["unique_id"] == s]
                    actual = wide[s].to_numpy()[o : o + h]
                    per[pool][(s, o)] = _score(actual, f["y"].to_numpy(), f["q0.1"].to_numpy(),
                                               f["q0.9"].to_numpy(), scales[(s, o)])
        for pool in args.pool:
            seeds[pool].append(_summary(per[pool], 0.0) | {"chosen": chosen[pool]})
            got = seeds[pool][-1]
            print(f"  {name} {keys[pool]} seed {seed}: MASE {got['mase']:.3f}, coverage {got['coverage']:.2f} "
                  f"({', '.join(chosen[pool])})", flush=True)
    for pool in args.pool:
        mean, sd = mean_sd([s["mase"] for s in seeds[pool]])  # the sample sd over the seeds (nan for one seed)
        result["methods"][keys[pool]] = {"mase": mean, "mase_std": 0.0 if np.isnan(sd) else sd,
                                         "coverage": float(np.mean([s["coverage"] for s in seeds[pool]])),
                                         "per_series": seeds[pool][0]["per_series"], "seeds": seeds[pool],
                                         "seconds": time.perf_counter() - t0}
    return result


class _SharedNets:
    """While several pools are scored: each fit of a net (``model="direct"`` or ``"hybrid"``, the validation's
    and the refits on all rows, which the pool does not change) done once per parameters, seed and data, and
    copied for the other pools. Fits on the CPU with an int seed are deterministic, so the figures are those of
    separate runs."""

    def __enter__(self):
        self.fit, cache = GlobalForecaster.fit, {}

        def fit(model, data, **kwargs):
            if model.model == "auto":
                return self.fit(model, data, **kwargs)
            params = {k: v for k, v in model.get_params(deep=False).items() if k != "pool"}
            key = (repr(sorted(params.items())), repr(sorted(kwargs.items())), tuple(data.columns), data.shape,
                   int(pd.util.hash_pandas_object(data, index=False).sum()))
            if key not in cache:
                cache[key] = self.fit(copy.deepcopy(model), data, **kwargs)
            pool = model.pool
            model.__dict__.update(copy.deepcopy(cache[key]).__dict__)
            model.pool = pool
            return model

        GlobalForecaster.fit = fit
        return self

    def __exit__(self, *exc):
        GlobalForecaster.fit = self.fit


def _seed_ensemble(members: int) -> type[GlobalForecaster]:
    """A GlobalForecaster whose nets (``model="direct"`` or ``"hybrid"``, and so every net ``model="auto"`` fits,
    for its validation and its parts) are seed ensembles of ``members``: fitted from ``random_state`` and
    ``members - 1`` seeds drawn from it, their forecasts averaged quantile by quantile (``--members``; an
    experiment, not an option of the model)."""

    class SeedEnsemble(GlobalForecaster):
        def fit(self, data, **kwargs):
            self.members_ = None
            if self.model == "auto":
                return super().fit(data, **kwargs)
            rng = np.random.default_rng([int(self.random_state or 0), members])
            seeds = [self.random_state, *(int(v) for v in rng.integers(2**31 - 1, size=members - 1))]
            self.members_ = [GlobalForecaster(**{**self.get_params(), "random_state": s}).fit(data, **kwargs)
                             for s in seeds]
            self.__dict__.update({k: v for k, v in self.members_[0].__dict__.items() if k.endswith("_")})
            return self

        def predict(self, horizon=None, **kwargs):
            if not getattr(self, "members_", None):
                return super().predict(horizon, **kwargs)
            frames = [m.predict(horizon, **kwargs) for m in self.members_]
            out = frames[0].copy()
            columns = [c for c in out.columns if c == self.target_ or str(c).startswith("q")]
            out[columns] = np.mean([f[columns].to_numpy() for f in frames], axis=0)
            return out

    return SeedEnsemble


def _chosen(g: GlobalForecaster) -> str:
    """The fitted model in a few words: its kind, or the combination's members with their series counts."""
    if g.kind_ != "combination":
        return g.kind_
    counts = pd.Series(["+".join(c) for c in g.components_]).value_counts()
    return " ".join(f"{c}:{k}" for c, k in counts.items())


def _score(actual, point, lower, upper, scale) -> dict:
    row = {"mase": float(np.mean(np.abs(point - actual)) / scale)}
    if lower is not None and not np.isnan(lower).any():
        row["coverage"] = float(np.mean((actual >= lower) & (actual <= upper)))
    return row


def _summary(per: dict, seconds: float) -> dict:
    """Means over series and origins, and each series' MASE averaged over its origins."""
    series = sorted({s for s, _ in per}, key=list(dict.fromkeys(s for s, _ in per)).index)
    out = {"mase": float(np.mean([r["mase"] for r in per.values()])), "seconds": seconds,
           "per_series": {str(s): float(np.mean([r["mase"] for (t, _), r in per.items() if t == s]))
                          for s in series}}
    covered = [r["coverage"] for r in per.values() if "coverage" in r]
    if covered:
        out["coverage"] = float(np.mean(covered))
    return out


def tables(results: dict, seeds: int) -> str:
    methods = list(dict.fromkeys(k for r in results.values() for k in r["methods"]))
    lines = [f"Mean MASE over series and origins (global: mean ± sample sd over {seeds} seeds); coverage of the 80 % "
             "interval in brackets; `wins`: series on which the baseline's MASE is below the global model's", "",
             "| panel (series, h, m) | " + " | ".join(methods) + " |", "|" + "---|" * (len(methods) + 1)]
    for name, r in results.items():
        g = next(v for k, v in r["methods"].items() if k.startswith("global"))["per_series"]
        cells = []
        for k in methods:
            got = r["methods"].get(k)
            if got is None:
                cells.append("—")
                continue
            text = f"{got['mase']:.2f}" + (f" ± {got['mase_std']:.2f}" if k == "global" else "")
            if k.startswith("global"):  # the model chosen at each origin, seed 0
                text += " (" + "; ".join(got["seeds"][0]["chosen"]) + ")"
            if "coverage" in got:
                text += f" [{got['coverage']:.2f}]"
            if not k.startswith("global"):
                wins = sum(got["per_series"][s] < g[s] for s in g)
                text += f", wins {wins}/{len(g)}"
            cells.append(text)
        lines.append(f"| {name} ({len(r['series'])}, {r['h']}, {r['m']}) | " + " | ".join(cells) + " |")
    lines += ["", "Per-series MASE (mean over the origins; global: seed 0)", ""]
    for name, r in results.items():
        lines += [f"{name}:", "", "| series | " + " | ".join(r["methods"]) + " |",
                  "|" + "---|" * (len(r["methods"]) + 1)]
        for s in r["series"]:
            lines.append(f"| {s} | " + " | ".join(f"{v['per_series'][s]:.2f}" for v in r["methods"].values()) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--panels", default=",".join(k for k in PANELS if k not in HELD_OUT),
                   help=f"comma-separated, among {', '.join(PANELS)} (held out: {', '.join(HELD_OUT)})")
    p.add_argument("--methods", default="naive,seasonal naive,ETS,AutoARIMA",
                   help=f"per-series methods, comma-separated, among {', '.join(CLASSICAL)}")
    p.add_argument("--seeds", type=seed_count, default=3, help="the number of seeds: 0 .. N-1 (default 3)")
    p.add_argument("--origins", type=int, default=3)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--model", default="auto", help="the GlobalForecaster's model: auto, direct or hybrid")
    p.add_argument("--pool", default=str(inspect.signature(GlobalForecaster).parameters["pool"].default),
                   help="GlobalForecaster(pool=...): numbers >= 0 or 'panel', comma-separated (one column each); "
                        "default: the GlobalForecaster's")
    p.add_argument("--quick", action="store_true", help="1 seed, 20 epochs: a smoke run")
    p.add_argument("--dev", action="store_true",
                   help="score the --origins windows before the test windows (the test rows dropped), for design "
                        "choices that must not see the test windows")
    p.add_argument("--validation-origins", type=int, default=combination.MAX_ORIGINS,
                   help="the most validation origins inside each origin's training rows on which model='auto' "
                        f"chooses and calibrates (rnnkit.forecast.combination.MAX_ORIGINS, default "
                        f"{combination.MAX_ORIGINS}); others are an experiment, not an option of the model")
    p.add_argument("--members", type=int, default=1,
                   help="fit every net as a seed ensemble of this many, their forecasts averaged (an experiment, "
                        "not an option of the model; default 1)")
    p.add_argument("--out", default="runs/forecast_panel_benchmark")
    args = p.parse_args(argv)
    if args.members < 1:
        raise SystemExit(f"--members must be >= 1, got {args.members}")
    if args.validation_origins < 1:
        raise SystemExit(f"--validation-origins must be >= 1, got {args.validation_origins}")
    combination.MAX_ORIGINS = args.validation_origins
    names, args.methods = args.panels.split(","), args.methods.split(",")
    args.pool = [v if v == "panel" else float(v) for v in args.pool.split(",")]
    unknown = [s for s in names if s not in PANELS] + [k for k in args.methods if k not in CLASSICAL]
    if unknown:
        raise SystemExit(f"unknown panels or methods {unknown}; panels: {list(PANELS)}, methods: {list(CLASSICAL)}")
    if args.quick:
        args.seeds, args.epochs = 1, 20
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    t0 = time.perf_counter()
    if len(args.pool) > 1:
        with _SharedNets():
            results = {name: run_panel(name, args) for name in names}
    else:
        results = {name: run_panel(name, args) for name in names}
    settings = (f"GlobalForecaster(lookback=2h, horizon=h, cell='gru', hidden_size={args.hidden}, "
                f"max_epochs={args.epochs}, model={args.model!r}, pool={'|'.join(map(str, args.pool))}), "
                f"{args.origins} origins, seeds 0..{args.seeds - 1}, "
                f"up to {args.validation_origins} validation origins"
                + (f", every net a seed ensemble of {args.members}" if args.members > 1 else ""))
    text = (f"{machine('cpu')}\n\n{settings}\n\n{tables(results, args.seeds)}\n"
            f"total {time.perf_counter() - t0:.0f} s\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"args": vars(args), "panels": results}, indent=1))
    (out / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
