"""Event logs: anomalous sessions in SYNTHETIC service logs, found by a DeepLog-style next-event LSTM.

**The data is synthetic.** No real event log ships offline, so the logs come from
:func:`rnnkit.data.synthetic_event_log`: the server log of a web shop whose sessions follow a documented
state machine (:data:`rnnkit.data.events.SHOP_MACHINE`), with anomalies injected into some sessions. Results
on it say how well a method recovers what was injected, nothing about any real system.

The state machine (probability of each next event; every session starts at ``login`` and ends at ``logout``
or after 40 events) and the mean seconds spent in each state before the next event (``SHOP_DWELL``; the wait
is exponential with that mean, at least 1 s, at most 10 minutes):

====================  ===========================================================  ===========
event                 next event (probability)                                     mean dwell
====================  ===========================================================  ===========
``login``             view 0.6, search 0.4                                         5 s
``view``              view 0.3, search 0.2, add_to_cart 0.25, logout 0.25          30 s
``search``            view 0.7, search 0.1, logout 0.2                             10 s
``add_to_cart``       view 0.3, checkout 0.5, remove_from_cart 0.2                 8 s
``remove_from_cart``  view 0.6, logout 0.4                                         6 s
``checkout``          pay 0.9, view 0.1                                            20 s
``pay``               logout 0.8, view 0.2                                         15 s
``logout``            (end of the session)                                         --
====================  ===========================================================  ===========

A session is anomalous with probability 0.1, with one injected event at a uniform position after ``login``,
of one of three kinds (:data:`rnnkit.data.events.ANOMALY_KINDS`), equally likely:

- **out of order** (``jump``): an event the machine never emits from the current state (``pay`` right after
  ``login``, ``checkout`` without ``add_to_cart``);
- **unknown event** (``unknown``): ``admin_export``, a name the machine never emits;
- **unusual delay** (``burst``): a normal event whose wait is 1000 times shorter than its state's mean dwell
  (e.g. 0.03 s after a ``view``, where a person takes at least a second).

Users are split (``SPLIT``) into training users, whose *normal* sessions alone train the models (DeepLog
trains on normal logs only), validation users, on whose sessions (anomalies included) ``k`` and the delay
threshold are chosen, and test users, on whose sessions everything is scored. Sessions are found again from
the raw rows by :func:`rnnkit.data.sessionize` (30-minute inactivity gap; the generator leaves four hours
between sessions) and read with :class:`rnnkit.data.EventSessions`; the event vocabulary
(:func:`rnnkit.data.events.event_vocab`) comes from the training sessions, so ``admin_export`` reads as ``<unk>``.

Detectors (Du et al. 2017, "DeepLog", CCS), each of which flags a session if any of its steps is flagged:

=============  ==============================================================================================
detector       what it is
=============  ==============================================================================================
``lstm``       :class:`NextEventModel`: at each step ``t``, the event ``e_t`` (embedded) and
               ``log1p Δt_t`` (seconds since the previous event) enter a 2-layer LSTM, which outputs the
               logits of the next event ``e_{t+1}`` and a Gaussian ``N(μ_t, σ_t²)`` over
               ``u_{t+1} = ln(Δt_{t+1} + 1 ms)``; trained with cross-entropy plus the Gaussian negative log
               likelihood (:class:`NextEventModule`, through :func:`~rnnkit.training.seeded_fit`), from
               ``seeds`` seeds. Step ``t`` is flagged if ``e_{t+1}`` is not among the ``k`` most probable
               events (the execution-path test) or ``|u_{t+1} - μ_t| / σ_t > z`` (the delay test)
``ngram``      the same two tests from counts (:class:`NGramDetector`): the next event's rank among the
               training continuations of the last ``n - 1`` events (backing off to shorter contexts when the
               event was never seen after a context; an event never seen after any context ranks last), and a
               Gaussian of ``u`` per previous event, fitted to the training sessions; ``n`` (2, 3 or 4) chosen
               on the validation sessions
=============  ==============================================================================================

Both detectors choose ``k`` (1 to 8) and ``z`` (``Z_GRID``) by F1 on the validation sessions. The machine is
first-order Markov: the next event and the wait depend on the current event alone, so a bigram is the exact
model here and the LSTM can at best tie it (the point is that it learns this from the data alone).

Metrics on the test sessions: precision, recall and F1 of "anomalous session" at the chosen ``k`` and ``z``,
recall per anomaly kind, and precision and recall against ``k`` (at the chosen ``z``; and with the delay
test off) as a plot. With ``out`` (:func:`rnnkit.report.write_report`): ``report.json``, ``report.md``,
``report.html`` and ``precision_recall.png``.
"""

from __future__ import annotations

import datetime
import numbers
import os
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from ..cells.base import State
from ..checks import is_count
from ..data import EventSessions, pad_collate, sessionize, synthetic_event_log
from ..data.events import ANOMALY_KINDS, event_vocab
from ..models import SequenceToSequence
from ..report import machine, write_report
from ..training import SequenceModule, seeded_fit
from . import check_epochs, check_run_arguments, check_same_order, format_over_runs, over_runs, run_seeds

KIND_NAMES = {"jump": "out of order", "unknown": "unknown event", "burst": "unusual delay"}
DETECTOR_NAMES = {"lstm": "DeepLog-style LSTM (events + Δt)", "ngram": "n-gram (counts + per-event Δt Gaussian)"}
SPLIT = {"train": 0.5, "validation": 0.2, "test": 0.3}  # shares of the users
K_GRID = tuple(range(1, 9))
Z_GRID = (2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0)
DT_FLOOR = 1e-3  # seconds added before the log: u = ln(Δt + 1 ms), finite for equal timestamps
YEAR = 365.25 * 86_400  # seconds
MAX_WAIT = 3 * YEAR  # a longer wait in a session is a timestamp (Unix seconds are 1.7e9, 54 years) given as a wait
# the share of steps whose event ids would have to move for the scored sessions' id counts to be training's (total
# variation): the recipe's validation and test parts differ from training's by 1-4 % (quick and full runs, seeds
# 0-4), sessions encoded by another vocabulary of the same size (its ids in another order) by 60-75 %
EVENT_SHARE_SHIFT = 0.5
# and the largest part of the scored steps (or sessions) that can still be spread as training's, the rest being other
# events (anomalous sessions: a rare event repeated): under another vocabulary's order a common training id gets a rare
# one's share (4 - e: 6 %); 20 % of sessions of one rare event repeated 200 times keep 80 % of the sessions' (14 % of
# the steps'), every session ending in a retry loop of 30 steps about 21 %
TRAINING_LIKE = 0.15
UNIT_SHIFT = 10**2.5  # scored waits whose median is this many times fit's (or as many times less): another unit
# full: a few CPU minutes on 2 shared cores; quick: fewer users and epochs
FULL = {"users": 600, "seeds": 1, "max_epochs": 15}
QUICK = {"users": 150, "seeds": 1, "max_epochs": 10}
SHARED = {"sessions_per_user": 5, "anomaly_rate": 0.1, "embed_size": 16, "hidden_size": 64, "num_layers": 2,
          "batch_size": 64, "lr": 1e-2, "clip_grad_norm": 1.0}
NGRAM_N = (2, 3, 4)  # the baseline's context lengths + 1, chosen on validation


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Generate the synthetic logs, train the LSTM and the n-gram detector, score both; see the module docstring.

    Returns ``{"recipe", "task", "data", "settings", "models", "curves", "machine"}``. Each entry of ``models``
    has ``name``, ``kind`` (``"rnn"`` or ``"baseline"``), ``precision``, ``recall``, ``f1``, ``recall_by_kind``
    (one entry per anomaly kind), ``k`` and ``z`` (chosen on validation) and ``train_seconds``, each as
    ``{"mean", "sd", "runs"}`` over the seeds of :func:`~rnnkit.apps.run_seeds` (one run for the n-gram). ``curves``:
    per detector, test precision and recall for each ``k`` of ``K_GRID`` (the first seed's LSTM). Raises
    ValueError for a bad argument.
    """
    out = check_run_arguments("eventlogs", quick, seed, out, log)  # "~/runs" as a shell reads it
    budget = {**(QUICK if quick else FULL), **SHARED}
    seeds = run_seeds(seed, budget["seeds"], "eventlogs.run")
    parts = make_split(budget["users"], seed=seed, sessions_per_user=budget["sessions_per_user"],
                       anomaly_rate=budget["anomaly_rate"])
    vocab = event_vocab(parts["train"].frame)
    sessions = {name: part.sessions(vocab) for name, part in parts.items()}
    log("synthetic logs: " + ", ".join(f"{name} {len(p.labels)} sessions ({int(p.labels.sum())} anomalous)"
                                       for name, p in parts.items()) + "; training on normal sessions only")

    models, curves = {}, {}
    runs = []
    for s in seeds:
        start = time.perf_counter()
        fitted = fit_lstm(sessions["train"], len(vocab), budget, seed=s)
        seconds = time.perf_counter() - start
        scores = {name: score_lstm(fitted, sessions[name]) for name in ("validation", "test")}
        result, curve = _evaluate(scores, parts)
        runs.append({**result, "train_seconds": seconds})
        curves.setdefault("lstm", curve)
        log(f"LSTM seed {s}: test F1 {result['f1']:.3f} (k={result['k']}, z={result['z']}), {seconds:.0f} s")
    models["lstm"] = _summary(DETECTOR_NAMES["lstm"], "rnn", runs)

    best = None
    for n in NGRAM_N:  # the n of best validation F1 (ties: the smaller n)
        start = time.perf_counter()
        ngram = NGramDetector(n).fit(sessions["train"])
        seconds = time.perf_counter() - start
        result, curve = _evaluate({name: ngram.score(sessions[name]) for name in ("validation", "test")}, parts)
        if best is None or result["validation_f1"] > best[0]["validation_f1"]:
            best = ({**result, "n": n, "train_seconds": seconds}, curve)
    result, curves["ngram"] = best
    log(f"{result['n']}-gram: test F1 {result['f1']:.3f} (k={result['k']}, z={result['z']})")
    models["ngram"] = {**_summary(DETECTOR_NAMES["ngram"], "baseline", [result]), "n": result["n"]}

    results = {
        "recipe": "eventlogs",
        "task": "anomalous sessions in SYNTHETIC web-shop service logs (documented state machine, injected anomalies)",
        "data": {"name": "synthetic_event_log (SHOP_MACHINE)", "synthetic": True, "users": budget["users"],
                 **{name: {"users": p.users, "sessions": len(p.labels), "anomalous": int(p.labels.sum()),
                           "by_kind": {k: int((p.kinds == k).sum()) for k in ANOMALY_KINDS},
                           "events": int(len(p.frame))} for name, p in parts.items()},
                 "training_sessions": "the training users' normal sessions only", "vocabulary": len(vocab)},
        "settings": {"quick": quick, **budget, "seeds": seeds,
                     "optimizer": "AdamW", "k_grid": list(K_GRID), "z_grid": list(Z_GRID), "dt_floor": DT_FLOOR,
                     "selection": "k and z maximise F1 on the validation sessions"},
        "models": models,
        "curves": curves,
        "machine": machine("cpu"),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     figures={"precision_recall": precision_recall_figure(results)}, machine_info=results["machine"])
    return results


# -- data ----------------------------------------------------------------------------------------------------
class Sessions(NamedTuple):
    """One part's sessions as the detectors read them: per session the event ids ``(T,)`` and the seconds
    since the previous event ``(T,)`` (0 for the first)."""

    events: list[np.ndarray]
    dt: list[np.ndarray]


class Part(NamedTuple):
    """The sessionised rows of one group of users, with each session's truth."""

    frame: pd.DataFrame  # sessionize's output, with the generator's anomaly and kind columns
    users: int
    labels: np.ndarray  # (S,) bool: the session holds an injected anomaly, in session order
    kinds: np.ndarray  # (S,) str: its kind, or ""

    def sessions(self, vocab) -> Sessions:
        items = EventSessions(self.frame, vocab, target=None, log_dt=False)
        return Sessions([x["event"].numpy() for x in items], [x["dt"].numpy().astype(np.float64) for x in items])


def check_sessions(sessions: Sessions, who: str) -> Sessions:
    """ValueError naming the first session of ``sessions`` whose event ids and waits do not line up, whose event
    id is NaN (a missing event, else read as one never seen), or whose wait is negative or not a number
    (timestamps out of order or missing), which the delay test would read as NaN and so never flag, or longer than
    ``MAX_WAIT`` (3 years: Unix timestamps given in place of the waits). Returns the
    sessions with each session's events and waits as arrays (lists, as one gathers them from a log, are read as
    their arrays; whole-number float ids, as pandas leaves an integer column that once held a NaN, as int64;
    timedeltas, as pandas' ``diff()`` of timestamps gives them, as seconds)."""
    if len(sessions.events) != len(sessions.dt):
        raise ValueError(f"{who}: {len(sessions.events)} sessions of events but {len(sessions.dt)} of waits (dt); "
                         "give one dt array per session")
    events, waits = [], []
    for s, (e, dt) in enumerate(zip(sessions.events, sessions.dt, strict=True)):
        e, dt = np.asarray(e), _as_waits(np.asarray(dt), s, who)
        if dt.dtype.kind == "m":  # timedeltas, as groupby(...)["time"].diff() gives them: read as seconds
            dt = dt / np.timedelta64(1, "s")  # NaT -> NaN, named below
        if dt.dtype.kind == "M":  # the events' times, not the waits between them
            raise ValueError(f"{who}: session {s}'s waits (dt) are timestamps ({dt.dtype}, {dt[:1]}), but each step "
                             "needs the seconds since the previous event; give the waits: np.r_[0, np.diff(t) / "
                             "np.timedelta64(1, 's')] (or df.groupby('session')['time'].diff().dt.total_seconds()"
                             ".fillna(0))")
        if e.ndim != 1 or dt.shape != e.shape:
            raise ValueError(f"{who}: session {s} has events of shape {e.shape} and waits (dt) of shape {dt.shape}; "
                             "each session needs one wait per event (0 for the first)")
        if not np.issubdtype(dt.dtype, np.number):
            raise ValueError(f"{who}: session {s}'s waits (dt) are {dt.dtype}, not seconds")
        # else read as never-seen events; None or NaN among text ids (a log's empty cell) too, not a second type
        missing = (np.isnan(e) if e.dtype.kind in "fc" else pd.isna(e) if e.dtype.kind == "O"
                   else np.zeros(e.shape, bool))
        if missing.any():
            t = int(np.argmax(missing))
            id_ = "NaN" if isinstance(e[t], float | np.floating) else repr(e[t])  # None, pd.NA
            raise ValueError(f"{who}: session {s}, step {t} has the event id {id_} ({int(missing.sum())} such step(s) "
                             "in it), which would read as an event never seen; give every row a known id (a log line "
                             "no template matched: an 'unknown' id of its own) or drop those rows")
        if e.dtype.kind == "f" and np.isfinite(e).all() and (e == np.round(e)).all():
            e = e.astype(np.int64)  # an integer column made float64 by a NaN once (dropped since): the ids it holds
        if (dt > MAX_WAIT).any():  # Unix times (1.7e9 s, or in ms) given as the waits: read as waits of 50 years
            t = int(np.argmax(dt > MAX_WAIT))
            raise ValueError(f"{who}: session {s}, step {t} waits {dt[t]:.4g} s ({dt[t] / YEAR:,.0f} years) since the "
                             f"previous event ({int((dt > MAX_WAIT).sum())} such step(s) in it, none of them may be "
                             f"over {MAX_WAIT / YEAR:.0f} years): these read as timestamps (Unix seconds or "
                             "milliseconds), not the seconds between events; give the waits: np.r_[0, np.diff(t)] of "
                             "each session's times in seconds (or df.groupby('session')['time'].diff().fillna(0))")
        bad = ~(np.asarray(dt, dtype=np.float64) >= 0)  # NaN too
        if bad.any():
            t = int(np.argmax(bad))
            if t == 0 and bad.sum() == 1 and np.isnan(dt[0]):  # diff()'s NaN before a session's first event
                raise ValueError(f"{who}: session {s}, step 0 waits {dt[0]} s, as groupby(...).diff() leaves a "
                                 "session's first event, but the first event's wait is 0 by definition; fill it: "
                                 "df.groupby('session')['time'].diff().dt.total_seconds().fillna(0)")
            raise ValueError(f"{who}: session {s}, step {t} waits {dt[t]} s since the previous event ({int(bad.sum())} "
                             "such step(s) in it): a wait must be a number >= 0 (equal timestamps give 0); sort "
                             "each session's rows by time and fill missing timestamps first")
        events.append(e)
        waits.append(dt)
    check_unpadded(events, waits, who)
    id_kind(events, who)
    return Sessions(events, waits)


def _as_waits(dt: np.ndarray, s: int, who: str) -> np.ndarray:
    """Session ``s``'s waits as numpy holds them: a list of ``pd.Timedelta`` (``groupby(...)['wait'].apply(list)`` of
    ``diff()``'s timedeltas, which numpy keeps as objects) as timedelta64, a list of timestamps as datetime64 (both
    read by :func:`check_sessions`); waits of text (a CSV column read as ``str``, ``'1.5'``) or other objects are a
    ValueError naming the first and the fix."""
    if dt.dtype.kind not in "OUS" or not dt.size:
        return dt
    values = [v for v in dt.flat if v is not None and v is not pd.NaT]
    if dt.dtype.kind == "O" and values and all(isinstance(v, datetime.timedelta | np.timedelta64) for v in values):
        return pd.to_timedelta(dt.ravel()).to_numpy().reshape(dt.shape)  # None / NaT -> NaT, named as NaN later
    if dt.dtype.kind == "O" and values and all(isinstance(v, datetime.datetime | np.datetime64) for v in values):
        return pd.to_datetime(dt.ravel()).to_numpy().reshape(dt.shape)
    first = dt.flat[0].item() if isinstance(dt.flat[0], np.generic) else dt.flat[0]
    text = isinstance(first, str | bytes)
    kinds = "text" if text else "objects of " + ", ".join(sorted({type(v).__name__ for v in dt.flat}))
    raise ValueError(f"{who}: session {s}'s waits (dt) are {kinds} ({first!r} at step 0), not seconds; give each "
                     "wait as a number of seconds"
                     + (" (a CSV column read as text: np.asarray(dt, dtype=float), or pd.to_numeric(df['wait']))"
                        if text else ""))


def check_unpadded(events: list[np.ndarray], waits: list[np.ndarray], who: str) -> None:
    """ValueError when the sessions read as the rows of a padded ``(S, T)`` array (``pad_sequences``, a batch's
    ``x``): all of one length, and at least a quarter of them (two or more) ending with a run of one event, of
    lengths that differ, whose waits after the run's first step are all one value (the padding's). Each padded
    step would be read as an event: a detector fitted on unpadded sessions meets the padding id as an event never
    seen, and flags every padded session."""
    lengths = {len(e) for e in events}
    if len(events) < 2 or len(lengths) != 1 or lengths.pop() < 3:
        return
    last = Counter(e[-1].item() if isinstance(e[-1], np.generic) else e[-1] for e in events)
    value = last.most_common(1)[0][0]
    runs, pad_waits = [], set()
    for e, dt in zip(events, waits, strict=True):
        run = len(e) - int(np.flatnonzero(e != value)[-1]) - 1 if (e != value).any() else len(e)
        runs.append(run)
        if run >= 2:
            pad_waits.update(np.unique(dt[len(e) - run + 1:]).tolist())
    padded = [s for s, r in enumerate(runs) if r >= 2]
    if len(padded) >= max(2, len(events) / 4) and len(set(runs)) > 1 and len(pad_waits) == 1:
        s = max(padded, key=lambda i: runs[i])
        raise ValueError(f"{who}: the {len(events)} sessions are all {len(events[0])} steps long and {len(padded)} "
                         f"of them end with a run of event {value!r} whose waits are all {pad_waits.pop():g} (session "
                         f"{s}: its last {runs[s]} steps), as the rows of a padded (S, T) array do; each padded step "
                         "would be read as an event; give each session's events and waits unpadded, e.g. Sessions("
                         "[e[:n] for e, n in zip(events, lengths)], [d[:n] for d, n in zip(dt, lengths)])")


def id_kind(events: list[np.ndarray], who: str) -> str | None:
    """``"text"`` or ``"number"``, the kind of every event id in ``events``, or None for no events. A ValueError
    names the first id of each kind where they are mixed (a log's ``1`` and ``'1'``, two exports joined): ids that
    print alike would be two events, each seen half as often, or one never seen."""
    first: dict[str, tuple] = {}
    for s, e in enumerate(events):
        if e.dtype.kind == "O":
            texts = np.fromiter((isinstance(v, str | bytes) for v in e.flat), bool, e.size)
            where = {"text": np.flatnonzero(texts), "number": np.flatnonzero(~texts)}
        else:
            where = {"text" if e.dtype.kind in "US" else "number": np.arange(min(e.size, 1))}
        for kind, at in where.items():
            if len(at):
                v = e[at[0]]
                first.setdefault(kind, (s, int(at[0]), v.item() if isinstance(v, np.generic) else v))
    if len(first) == 2:
        (s, t, v), (s2, t2, v2) = first["text"], first["number"]
        raise ValueError(f"{who}: session {s}, step {t} has the event id {v!r} (text) but session {s2}, step {t2} "
                         f"has {v2!r} (a number); ids that print alike in two types would be two events; give the "
                         "ids one type, e.g. df['event'] = df['event'].astype(str) before gathering the sessions")
    return next(iter(first), None)


def make_split(users: int, *, seed: int, sessions_per_user: int = 5, anomaly_rate: float = 0.1) -> dict[str, Part]:
    """The synthetic log of ``users`` users, its users shuffled and split by ``SPLIT``; the training part keeps
    its normal sessions only. ``users`` an integer >= 4, so that each part has a user."""
    parts_of = lambda n: np.diff([0, *np.cumsum([round(SPLIT[p] * n) for p in ("train", "validation")]), n])
    if not is_count(users, 1) or (parts_of(users) < 1).any():
        least = next(n for n in range(1, 100) if (parts_of(n) >= 1).all())
        raise ValueError(f"make_split: users must be an integer >= {least}, so that the train, validation and test "
                         f"parts ({', '.join(f'{v:.0%}' for v in SPLIT.values())} of the users) each get one, got "
                         f"{users!r}")
    df = synthetic_event_log(users, sessions_per_user=sessions_per_user, anomaly_rate=anomaly_rate, seed=seed)
    names = np.random.default_rng(seed).permutation(np.unique(df["user"].to_numpy()))
    cuts = np.cumsum([round(SPLIT[p] * len(names)) for p in ("train", "validation")])
    groups = dict(zip(SPLIT, np.split(names, cuts), strict=True))
    parts = {}
    for name, group in groups.items():
        frame = sessionize(df[df["user"].isin(group)])
        truth = frame.groupby("session").agg(anomaly=("anomaly", "any"), kind=("kind", "max"))
        if name == "train":
            frame = frame[~frame["session"].map(truth["anomaly"])]
            truth = truth[~truth["anomaly"]]
        parts[name] = Part(frame, len(group), truth["anomaly"].to_numpy(), truth["kind"].to_numpy())
    return parts


def median_wait(sessions: Sessions) -> float | None:
    """The median of the positive waits after each session's first event (seconds, or the unit they were given
    in); None when there is none. The detectors keep their training sessions' to catch waits scored in another
    unit (:func:`check_wait_unit`)."""
    waits = np.concatenate([np.asarray(dt[1:], dtype=np.float64) for dt in sessions.dt] or [np.zeros(0)])
    waits = waits[waits > 0]
    return float(np.median(waits)) if len(waits) else None


def check_wait_unit(fitted: float | None, sessions: Sessions, who: str) -> None:
    """ValueError when the median wait of the sessions to score is ``UNIT_SHIFT`` (10^2.5) or more times the
    training sessions' ``fitted``, or as many times less: waits in milliseconds beside a fit on seconds (or the
    reverse) shift every step's log wait by ln 1000 = 6.9, so the delay test would flag every session. A system
    that truly ran 300 times slower would be flagged throughout as well; convert the unit, or refit."""
    scored = median_wait(sessions)
    if fitted is None or scored is None or 1 / UNIT_SHIFT < scored / fitted < UNIT_SHIFT:
        return
    ratio = scored / fitted
    power = 1000 ** round(np.log10(ratio) / 3)  # the nearest of 1000, 1e6, ... (or 1/1000, ...)
    if ratio > 1:
        how = f"{ratio:,.0f} times the training sessions'"
        fix = f"milliseconds beside seconds? dt / {power:g}" if power >= 1000 else "the recipe's: seconds"
    else:
        how = f"{1 / ratio:,.0f} times less than the training sessions'"
        fix = f"seconds beside milliseconds? dt * {1 / power:g}" if power <= 1 / 1000 else "the recipe's: seconds"
    raise ValueError(f"{who}: the sessions' median wait is {scored:.4g}, {how} ({fitted:.4g}), so the delay test "
                     f"would flag every session for its waits; give the waits in fit's unit ({fix}), or fit the "
                     "detector on waits in this unit")


def delay_log(dt: np.ndarray) -> np.ndarray:
    """``u = ln(Δt + DT_FLOOR)``: the scale of the delay test (waits are exponential, so their log is compact).
    ``dt`` the waits in seconds, each finite and >= 0 (a ValueError names the first that is not: its log would be
    NaN)."""
    dt = np.asarray(dt)
    dt = dt if dt.dtype.kind == "f" else dt.astype(np.float64)  # float32 waits stay float32, as before
    bad = ~(dt >= 0) | ~np.isfinite(dt)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), dt.shape)
        where = ", ".join(map(str, i))
        raise ValueError(f"delay_log: dt[{where}] is {dt[i]:g} ({int(bad.sum())} of {dt.size} wait(s) negative, NaN "
                         "or infinite), but a wait is the seconds since the event before, >= 0, and its log would be "
                         "NaN; take waits from times sorted within each session (np.diff(t), 0 for the first event), "
                         "and fill missing ones")
    return np.log(dt + DT_FLOOR)


# -- the LSTM ------------------------------------------------------------------------------------------------
class NextEventModel(nn.Module):
    """DeepLog's next-event LSTM with a Δt channel.

    ===========  =======================================================================================
    ``x``        ``(B, T, 2)``: the event id (as a float) and ``log1p Δt_t`` at each step
    ``lengths``  ``(B,)`` optional, padding at the end
    returns      ``(B, T, V + 2)``: logits of ``e_{t+1}`` over the ``V`` events, then ``μ_t`` and
                 ``ln σ_t`` of ``u_{t+1} = ln(Δt_{t+1} + 1 ms)``; the final state
    ===========  =======================================================================================

    ``z_t = [embed(e_t), log1p Δt_t]`` enters :class:`rnnkit.models.SequenceToSequence` (an LSTM of
    ``num_layers`` layers and a linear head). The id travels in a float channel because the training loop
    (:class:`rnnkit.training.SequenceModule`) batches one input tensor per step.
    """

    target = "step"

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, *, num_layers: int = 2):
        super().__init__()
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.rnn = SequenceToSequence(embed_size + 1, hidden_size, vocab_size + 2, cell="lstm",
                                      num_layers=num_layers)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None):
        z = torch.cat([self.embed(x[..., 0].long()), x[..., 1:]], dim=-1)  # (B, T, E + 1)
        return self.rnn(z, lengths, state)


class NextEventModule(SequenceModule):
    """:class:`rnnkit.training.SequenceModule` with the joint loss of :class:`NextEventModel`:
    ``CE(logits, e_{t+1}) + ½ ln σ² + (u_{t+1} - μ)² / (2σ²)`` (the Gaussian NLL, less its constant), averaged
    over valid steps; targets ``y (B, T, 2)`` = ``[e_{t+1}, u_{t+1}]``."""

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        V = self.model.vocab_size
        mu, log_sigma = out[:, V], out[:, V + 1]
        nll = log_sigma + 0.5 * ((y[:, 1] - mu) * torch.exp(-log_sigma)) ** 2
        return F.cross_entropy(out[:, :V], y[:, 0].long()) + nll.mean()


def training_items(sessions: Sessions) -> list[tuple[Tensor, Tensor]]:
    """Per session of at least 2 events: inputs ``(T - 1, 2)`` ``[e_t, log1p Δt_t]`` for ``t < T - 1`` and
    targets ``(T - 1, 2)`` ``[e_{t+1}, u_{t+1}]``."""
    sessions = check_sessions(sessions, "training_items")
    if id_kind(sessions.events, "training_items") == "text":  # the model reads ids 0..V-1
        s, e = next((s, e) for s, e in enumerate(sessions.events) if len(e))
        raise ValueError(f"training_items: session {s}'s event ids are text ({e[:1].tolist()[0]!r}), but the model "
                         "reads integer ids 0..V-1; encode every part with one vocabulary, e.g. ids = {e: i for i, e "
                         "in enumerate(sorted(set(np.concatenate(train.events))))}, [np.array([ids[x] for x in e]) "
                         "for e in events]")
    items = []
    for e, dt in zip(sessions.events, sessions.dt, strict=True):
        if len(e) < 2:
            continue
        x = np.stack([e[:-1], np.log1p(dt[:-1])], axis=1)
        y = np.stack([e[1:], delay_log(dt[1:])], axis=1)
        items.append((torch.from_numpy(x).float(), torch.from_numpy(y).float()))
    return items


def check_trainable(sessions: Sessions, who: str, vocab_size: int | None = None) -> None:
    """ValueError unless some session of ``sessions`` holds 2 or more events: a session of one event shows no
    next event, so a detector fitted on none would know no continuation and flag every session it scores. With
    ``vocab_size``, also naming the first event id outside ``0 .. vocab_size - 1`` (the model's outputs)."""
    if not any(len(e) >= 2 for e in sessions.events):
        raise ValueError(f"{who}: none of the {len(sessions.events)} training session(s) holds 2 or more events, so "
                         "there is no next event to learn from (a detector fitted on none would flag every session); "
                         "give normal sessions of several events each (sessionize a longer log, or a longer "
                         "inactivity gap)")
    if vocab_size is None:
        return
    for s, e in enumerate(sessions.events):
        e = np.asarray(e)
        bad = np.flatnonzero(~np.isin(e, np.arange(vocab_size))) if np.issubdtype(e.dtype, np.integer) else [0]
        if len(bad):
            t = int(bad[0])
            raise ValueError(f"{who}: session {s}, step {t} has event {e[t].item()!r} ({e.dtype}), but vocab_size="
                             f"{vocab_size} gives the model the integer ids 0..{vocab_size - 1}; encode the sessions "
                             "with one vocabulary and pass its size (len(vocab))")


def fit_lstm(train: Sessions, vocab_size: int, budget: dict, *, seed: int) -> NextEventModule:
    """Train :class:`NextEventModel` on the training sessions through :func:`~rnnkit.training.seeded_fit`: some
    session must hold 2 or more events, and every event id must be one of ``0 .. vocab_size - 1`` (a
    ValueError names the first that is not)."""
    from torch.utils.data import DataLoader

    train = check_sessions(train, "fit_lstm")
    if not is_count(vocab_size, 1):
        raise ValueError(f"fit_lstm: vocab_size must be an integer >= 1 (the events the model tells apart: "
                         f"len(vocab)), got {vocab_size!r}")
    check_trainable(train, "fit_lstm", vocab_size)
    check_epochs(budget.get("max_epochs"), "fit_lstm", "budget['max_epochs']")
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(training_items(train), batch_size=budget["batch_size"], shuffle=True, generator=generator,
                        collate_fn=partial(pad_collate, labels="step"))
    build = lambda: NextEventModule(
        NextEventModel(vocab_size, budget["embed_size"], budget["hidden_size"], num_layers=budget["num_layers"]),
        task="regression", lr=budget["lr"], clip_grad_norm=budget["clip_grad_norm"])
    module = seeded_fit(build, loader, seed=seed, max_epochs=budget["max_epochs"], device="cpu").module
    module.median_wait = median_wait(train)  # score_lstm refuses waits in another unit (check_wait_unit)
    module.event_share = event_share(train, vocab_size)  # score_lstm warns of ids of another vocabulary
    return module


def event_share(sessions: Sessions, vocab_size: int) -> np.ndarray:
    """``(vocab_size,)``: the share of the sessions' steps that hold each event id."""
    counts = np.bincount(np.concatenate(sessions.events), minlength=vocab_size).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def check_event_share(fitted: np.ndarray | None, sessions: Sessions, who: str) -> None:
    """UserWarning where the event ids of ``sessions`` are spread over the vocabulary far otherwise than in the
    training sessions (``fitted``, their :func:`event_share`), as sessions encoded by another vocabulary of the same
    size give them (the model would read each id as the event its own vocabulary gives it). The rule:
    ``EVENT_SHARE_SHIFT`` or more of the steps would have to change id to match training's shares, *and* the
    sessions cannot be read as sessions spread as in training beside others of other events: for the common
    training ids (a share of 1/(2V) or more), the scored share over training's, at its least, is below
    ``TRAINING_LIKE``, both with each step counted and with each session counted once (the mean of the sessions' own
    shares, so long anomalous sessions do not outweigh the rest). Anomalies, the very thing scored, add events (a
    rare event repeated, a retry loop) but leave the ordinary sessions' ids where they were, so they are not warned
    of; another vocabulary moves a common event's id to a rare event's. A scored set made mostly of anomalous
    sessions (a suspect subset, 80 % of them or more) can still be warned of. Sessions of fewer than 20 steps per
    event id are too few to tell, and not checked; nor is a model built elsewhere (``fitted`` None)."""
    if fitted is None:
        return
    steps = sum(len(e) for e in sessions.events)
    if steps < 20 * len(fitted):
        return
    share = event_share(sessions, len(fitted))
    shift = 0.5 * float(np.abs(share - fitted).sum())
    if shift < EVENT_SHARE_SHIFT:
        return
    common = fitted >= 0.5 / len(fitted)
    per_session = np.mean([np.bincount(e, minlength=len(fitted)) / len(e) for e in sessions.events if len(e)], axis=0)
    kept = max(float(np.min(s[common] / fitted[common])) for s in (share, per_session))
    if kept >= TRAINING_LIKE:  # training's spread, plus sessions of other events: anomalies, not another vocabulary
        return
    moved = np.argsort(-np.abs(share - fitted))[:2]
    shown = "; ".join(f"id {i}: {fitted[i]:.0%} of training's steps, {share[i]:.0%} of these" for i in moved)
    warnings.warn(f"{who}: the event ids of the {len(sessions.events)} sessions are spread otherwise than in training "
                  f"({shift:.0%} of the steps would have to change id to match its shares; {shown}; no more than "
                  f"{kept:.0%} of them could be sessions spread as in training), as sessions "
                  "encoded by another vocabulary of the same size are, whose ids the model reads as its own "
                  "vocabulary's events; encode them with the vocabulary of the training sessions (part.sessions(vocab) "
                  "with one vocab = event_vocab(train_frame)), or, if the log itself changed this much, silence "
                  "this with warnings.filterwarnings", UserWarning, stacklevel=4)  # past torch.no_grad's wrapper


class StepScores(NamedTuple):
    """Per session, per predicted step ``t = 0..T-2``: the rank of the actual next event among the
    detector's predictions (0 = the most probable) and the delay's z-score ``(u_{t+1} - μ_t) / σ_t``."""

    rank: list[np.ndarray]
    z: list[np.ndarray]
    vocab_size: int | None = None  # the events a rank is among (the LSTM's vocabulary); None: not bounded


def check_scorable(sessions: Sessions, who: str) -> Sessions:
    """:func:`check_sessions`, and a ValueError for no sessions, or naming the sessions of one event: there is no
    next event to score, and an empty score would never be flagged (both detectors refuse them alike). Returns the
    sessions as arrays."""
    sessions = check_sessions(sessions, who)
    if not sessions.events:  # else no scores, and no session flagged, to be read as a score of 0 false alarms
        raise ValueError(f"{who}: no sessions to score (Sessions of empty lists); give the sessions of 2 or more "
                         "events of the part to score (sessionize its rows first)")
    short = [s for s, e in enumerate(sessions.events) if len(e) < 2]
    if short:
        shown = ", ".join(map(str, short[:10])) + (", ..." if len(short) > 10 else "")
        raise ValueError(f"{who}: session(s) {shown} ({len(short)} of {len(sessions.events)}) have fewer than "
                         "2 events, so no next event to score; score the sessions of 2 or more events (keep = "
                         "[len(e) >= 2 for e in sessions.events]) and judge the others apart")
    return sessions


@torch.no_grad()
def score_lstm(module: NextEventModule, sessions: Sessions, *, batch_size: int = 256) -> StepScores:
    """:class:`StepScores` of every session, in order; each needs at least 2 events (a ValueError names the
    sessions of one event otherwise: there is no next event to score). Ids spread over the vocabulary far otherwise
    than in training, as another vocabulary of the same size gives them, are warned of (:func:`check_event_share`)."""
    sessions = check_scorable(sessions, "score_lstm")
    check_wait_unit(getattr(module, "median_wait", None), sessions, "score_lstm")  # None: a module built elsewhere
    model = module.model.eval()
    V = model.vocab_size
    for s, e in enumerate(sessions.events):
        e = np.asarray(e)
        if not np.issubdtype(e.dtype, np.integer) or ((e < 0) | (e >= V)).any():
            bad = np.flatnonzero(~np.isin(e, np.arange(V)))
            t = int(bad[0]) if len(bad) else 0
            raise ValueError(f"score_lstm: session {s}, step {t} has event {e[t].item()!r} ({e.dtype}), but the model "
                             f"knows the integer ids 0..{V - 1} of its {V} events; encode the sessions with the "
                             "vocabulary it was trained with (an event it never saw: that vocabulary's unknown id)")
    check_event_share(getattr(module, "event_share", None), sessions, "score_lstm")  # None: a module built elsewhere
    items = training_items(sessions)
    ranks, zs = [], []
    for start in range(0, len(items), batch_size):
        batch = pad_collate(items[start : start + batch_size], labels="step")
        out, _ = model(batch.x, batch.lengths)  # (B, T, V + 2)
        logits, mu, log_sigma = out[..., :V], out[..., V], out[..., V + 1]
        actual = batch.y[..., 0].long().clamp(min=0)  # padding (ignore_index) read as id 0, then cut off
        rank = (logits > logits.gather(-1, actual[..., None])).sum(-1)  # (B, T): events strictly more probable
        z = (batch.y[..., 1] - mu) * torch.exp(-log_sigma)
        for b, n in enumerate(batch.lengths.tolist()):
            ranks.append(rank[b, :n].numpy())
            zs.append(z[b, :n].numpy())
    return StepScores(ranks, zs, V)


# -- the n-gram baseline -------------------------------------------------------------------------------------
RANK_UNSEEN = 10**6
# the least spread of an event's log waits, in ln seconds: waits that never varied (a heartbeat at a fixed interval)
# are read as varying by 10 %, so a wait twice as long is ln 2 / 0.1 = 6.9 sd off, not 0.69 sd (a spread of 1)
DELAY_SD_FLOOR = 0.1


class NGramDetector:
    """Counts of the next event after the last ``n - 1`` events (with back-off) and a Gaussian of
    ``u = ln(Δt + 1 ms)`` per previous event, from normal training sessions.

    Rank of an event after a context: the number of events seen strictly more often than it after the
    longest suffix of the context (up to ``n - 1`` events) after which it was seen in training (back-off); an
    event never seen after any suffix ranks last (``RANK_UNSEEN``: outside every top k). Delay z-score:
    ``(u - mean_e) / sd_e`` for the previous event ``e`` (an event never seen before a wait: no delay test).
    ``sd_e`` is at least ``DELAY_SD_FLOOR`` (waits that never varied); an event seen before one wait only shows
    no spread of its own and takes the spread of the others' waits about their own means (pooled), or 1 where
    no event shows one.
    """

    def __init__(self, n: int = 3):
        if not is_count(n, 2):  # n = 1 would count no context: every event unseen, every session flagged
            raise ValueError(f"NGramDetector: n must be an integer >= 2 (the next event after the last n - 1 events; "
                             f"2 is a bigram), got {n!r}")
        self.n = n

    def fit(self, sessions: Sessions) -> NGramDetector:
        sessions = check_sessions(sessions, "NGramDetector.fit")
        check_trainable(sessions, "NGramDetector.fit")
        self.counts: dict[tuple, Counter] = defaultdict(Counter)
        waits: dict[int, list[float]] = defaultdict(list)
        for e, dt in zip(sessions.events, sessions.dt, strict=True):
            e = e.tolist()
            u = delay_log(dt)
            for t in range(1, len(e)):
                for m in range(1, self.n):  # every context length, for the back-off
                    if t - m >= 0:
                        self.counts[tuple(e[t - m : t])][e[t]] += 1
                waits[e[t - 1]].append(float(u[t]))
        self.delay = _delay_spreads(waits)
        self.ids = id_kind(sessions.events, "NGramDetector.fit")  # text or numbers: score's must be the same
        self.spellings = _spellings(sessions.events, "NGramDetector.fit") if self.ids == "text" else {}
        self.median_wait = median_wait(sessions)  # score's waits must be in the same unit
        return self

    def rank(self, context: Sequence[int], event: int) -> int:
        for m in range(min(self.n - 1, len(context)), 0, -1):
            counts = self.counts.get(tuple(context[-m:]), {})
            seen = counts.get(event, 0)
            if seen:
                return sum(c > seen for c in counts.values())
        return RANK_UNSEEN

    def score(self, sessions: Sessions) -> StepScores:
        if not hasattr(self, "counts"):
            raise ValueError("NGramDetector.score: the detector has not been fitted; fit(sessions) it on normal "
                             "training sessions first")
        sessions = check_scorable(sessions, "NGramDetector.score")
        if (kind := id_kind(sessions.events, "NGramDetector.score")) != getattr(self, "ids", kind):
            s, e = next((s, e) for s, e in enumerate(sessions.events) if len(e))
            named = {"text": "text", "number": "numbers"}
            raise ValueError(f"NGramDetector.score: the sessions' event ids are {named[kind]} ({e[:1].tolist()[0]!r}, "
                             f"session {s}), but the detector was fitted on {named[self.ids]}, so every step would "
                             "rank as an event never seen and every session be flagged; give the ids in fit's type "
                             "(e.g. df['event'].astype(str) for both, or pd.to_numeric)")
        check_wait_unit(getattr(self, "median_wait", None), sessions, "NGramDetector.score")
        if kind == "text":
            self._check_spellings(sessions.events)
        ranks, zs = [], []
        for e, dt in zip(sessions.events, sessions.dt, strict=True):
            e = e.tolist()
            u = delay_log(dt)
            ranks.append(np.array([self.rank(e[:t], e[t]) for t in range(1, len(e))]))
            mean_sd = [self.delay.get(e[t - 1], (0.0, np.inf)) for t in range(1, len(e))]
            zs.append(np.array([(u[t] - m) / s for t, (m, s) in zip(range(1, len(e)), mean_sd, strict=True)]))
        return StepScores(ranks, zs)

    def _check_spellings(self, events: list[np.ndarray]) -> None:
        """ValueError naming the first event id of ``events`` that fit never saw but saw spelt otherwise (another
        case, spaces around it): every step of it would rank as an event never seen, and its session be flagged."""
        fitted = getattr(self, "spellings", {})
        respelt = [(s, t, v) for s, e in enumerate(events) for t, v in enumerate(e.tolist())
                   if v not in fitted.get(_spelling_key(v), (v,))]
        if respelt:
            s, t, v = respelt[0]
            raise ValueError(f"NGramDetector.score: session {s}, step {t} has the event {v!r}, which fit saw only as "
                             f"{fitted[_spelling_key(v)][0]!r} ({len(respelt)} step(s) spelt otherwise than in fit), "
                             "so each would rank as an event never seen and its session be flagged; spell the ids "
                             "alike in both logs, e.g. df['event'] = df['event'].str.strip().str.lower() before "
                             "gathering each part")


def _spelling_key(event) -> str:
    """An event id as spellings of one name compare: its text without surrounding spaces, case folded."""
    return str(event).strip().casefold()


def _spellings(events: list[np.ndarray], who: str) -> dict[str, list]:
    """``{spelling key: the ids spelt so, first seen first}`` of the text ids in ``events``, warning once of two ids
    spelt alike but for case or surrounding spaces (``'Login'`` and ``'login'``, two exports joined): they are
    counted as two events, each seen less often, which is right only where the log tells them apart."""
    spellings: dict[str, list] = {}
    where: dict[Any, tuple[int, int]] = {}  # each id's first session and step
    for s, e in enumerate(events):
        for t, v in enumerate(e.tolist()):
            if v not in where:
                where[v] = (s, t)
                spellings.setdefault(_spelling_key(v), []).append(v)
    first, other = next((ids[:2] for ids in spellings.values() if len(ids) > 1), (None, None))
    if other is not None:
        warnings.warn(f"{who}: the event ids {first!r} (session {where[first][0]}, step {where[first][1]}) and "
                      f"{other!r} (session {where[other][0]}, step {where[other][1]}) differ only by case or spaces, "
                      "so they are counted as two events, each seen less often; if they are one, spell them alike "
                      "(df['event'] = df['event'].str.strip().str.lower()) before gathering the sessions, else "
                      "silence this with warnings.filterwarnings", UserWarning, stacklevel=3)
    return spellings


def _delay_spreads(waits: dict[int, list[float]]) -> dict[int, tuple[float, float]]:
    """``{event: (mean, sd)}`` of the log waits after each event, ``sd`` at least ``DELAY_SD_FLOOR``; an event of
    one wait takes the pooled spread of the events of two or more (1 where there is none)."""
    means = {event: float(np.mean(w)) for event, w in waits.items()}
    residuals = [np.asarray(w) - means[event] for event, w in waits.items() if len(w) > 1]
    n = sum(len(r) for r in residuals)  # over n, as np.std divides each event's own spread
    pooled = float(np.sqrt(sum(float(r @ r) for r in residuals) / n)) if n else 1.0
    return {event: (means[event], max(float(np.std(w)) if len(w) > 1 else pooled, DELAY_SD_FLOOR))
            for event, w in waits.items()}


# -- evaluation ----------------------------------------------------------------------------------------------
def flag_sessions(scores: StepScores, k: int, z: float | None) -> np.ndarray:
    """``(S,)`` bool: a step's next event ranks ``k`` or worse (not in the top ``k``), or ``|z-score| > z``
    (None: no delay test). ``k`` an integer >= 1, ``z`` a positive number or None: ``k = 0`` or ``z <= 0`` would
    flag every session."""
    if not is_count(k, 1):
        raise ValueError(f"flag_sessions: k must be an integer >= 1 (the next event passes if it is among the k "
                         f"most probable), got {k!r}")
    if z is not None and (isinstance(z, bool) or not isinstance(z, numbers.Real) or not z > 0):
        raise ValueError(f"flag_sessions: z must be a positive number of standard deviations (the delay test's "
                         f"threshold) or None for no delay test, got {z!r}")
    if scores.vocab_size is not None and k >= scores.vocab_size:
        raise ValueError(f"flag_sessions: k={k} is at least the model's {scores.vocab_size} events, so every next "
                         f"event is among the k most probable and the rank test never flags; give k < "
                         f"{scores.vocab_size}")
    return np.array([bool((r >= k).any() or (z is not None and (np.abs(s) > z).any()))
                     for r, s in zip(scores.rank, scores.z, strict=True)])


def precision_recall_f1(flagged: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Session-level precision, recall and F1 (0 where undefined, with a warning where ``truth`` holds no
    anomalous session); ``flagged`` and ``truth`` one True/False (or 1/0) per session, in one order (two pandas
    Series of the same sessions in other orders are a ValueError: they are paired by place)."""
    check_same_order(flagged, truth, "precision_recall_f1", ("flagged", "truth"), "session")
    flagged, truth = np.asarray(flagged), np.asarray(truth)
    if flagged.ndim != 1 or flagged.shape != truth.shape:  # else numpy's broadcast error, or a broadcast
        raise ValueError(f"precision_recall_f1: flagged and truth must be 1-D, one per session, of one length, got "
                         f"shapes {flagged.shape} and {truth.shape}")
    for name, a in (("flagged", flagged), ("truth", truth)):
        if not (a.dtype == bool or a.dtype.kind in "iuf" and np.isin(a, (0, 1)).all()):  # 2 & 1 would be 0
            bad = next(v for v in a.tolist() if v not in (0, 1, True, False))
            raise ValueError(f"precision_recall_f1: {name} must hold True/False (or 1/0) per session, got {bad!r}; "
                             "flag_sessions gives flagged, a Part's anomalous sessions the truth")
    flagged, truth = flagged.astype(bool), truth.astype(bool)
    if len(truth) and not truth.any():  # a part drawn without anomalies (few users), or a truth column all False
        warnings.warn(f"precision_recall_f1: truth marks none of the {len(truth)} sessions anomalous, so recall and "
                      "F1 are undefined and given as 0, which reads as a detector that found nothing; score on "
                      "sessions that hold anomalies (more users, or check the truth column)", UserWarning,
                      stacklevel=2)
    tp = int((flagged & truth).sum())
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def _evaluate(scores: dict[str, StepScores], parts: dict[str, Part]) -> tuple[dict, dict]:
    """Choose ``(k, z)`` by validation F1 (ties: the smaller k, then the smaller z: the more sensitive tests),
    score the test sessions."""
    truth = {name: parts[name].labels for name in scores}
    best = max((precision_recall_f1(flag_sessions(scores["validation"], k, z), truth["validation"])[2], -k, -z)
               for k in K_GRID for z in Z_GRID)
    k, z = -best[1], -best[2]
    flagged = flag_sessions(scores["test"], k, z)
    precision, recall, f1 = precision_recall_f1(flagged, truth["test"])
    kinds = parts["test"].kinds
    by_kind = {kind: float(flagged[kinds == kind].mean()) if (kinds == kind).any() else None for kind in ANOMALY_KINDS}
    curve = {"k": list(K_GRID), "z": z}
    for key, zz in (("with_delay", z), ("events_only", None)):
        prf = [precision_recall_f1(flag_sessions(scores["test"], kk, zz), truth["test"]) for kk in K_GRID]
        curve[key] = {"precision": [p for p, _, _ in prf], "recall": [r for _, r, _ in prf]}
    return ({"precision": precision, "recall": recall, "f1": f1, "k": k, "z": z, "recall_by_kind": by_kind,
             "validation_f1": best[0], "false_alarm_rate": float(flagged[~truth["test"]].mean())}, curve)


def _summary(name: str, kind: str, runs: list[dict]) -> dict:
    stats = {key: over_runs(r[key] for r in runs)
             for key in ("precision", "recall", "f1", "k", "z", "false_alarm_rate", "train_seconds")}
    by_kind = {kind_: over_runs(r["recall_by_kind"][kind_] for r in runs) for kind_ in ANOMALY_KINDS
               if runs[0]["recall_by_kind"][kind_] is not None}
    return {"name": name, "kind": kind, **stats, "recall_by_kind": by_kind}


# -- report --------------------------------------------------------------------------------------------------
def precision_recall_figure(results: dict) -> Figure:
    """Test precision and recall against k, per detector, with the delay test (solid) and without (dotted)."""
    fig = Figure(figsize=(8.0, 3.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, metric in zip(axes, ("precision", "recall"), strict=True):
        for (key, curve), color in zip(results["curves"].items(), ("tab:blue", "tab:orange"), strict=False):
            name = results["models"][key]["name"]
            ax.plot(curve["k"], curve["with_delay"][metric], color=color, marker="o", label=f"{name}, z={curve['z']}")
            ax.plot(curve["k"], curve["events_only"][metric], color=color, linestyle=":", label=f"{name}, no Δt test")
        ax.set_xlabel("k (next event must be in the top k)")
        ax.set_title(metric)
    axes[0].set_ylabel("test sessions")
    axes[1].legend(fontsize="x-small")
    return fig


def title(results: dict) -> str:
    return ("Anomalies in synthetic service logs (DeepLog-style)"
            + (" (quick run)" if results["settings"]["quick"] else ""))


def markdown(results: dict) -> str:
    """The report's body (:func:`rnnkit.report.write_report` adds the title, the machine and the plot)."""
    d, s = results["data"], results["settings"]
    lines = [
        "**Synthetic data**: web-shop sessions generated from a documented state machine with injected anomalies "
        "(out-of-order events, unknown events, unusual delays); see rnnkit/apps/eventlogs.py.",
        "",
        "Sessions: " + "; ".join(f"{name} {d[name]['sessions']} ({d[name]['anomalous']} anomalous, users "
                                 f"{d[name]['users']})" for name in ("train", "validation", "test"))
        + ". Training uses normal sessions only; k and z are chosen by F1 on validation.",
        "",
        f"LSTM: {s['num_layers']} layers of {s['hidden_size']}, event embedding {s['embed_size']} + log1p Δt, "
        f"{s['max_epochs']} epochs, batch {s['batch_size']}, {s['optimizer']} lr {s['lr']}; seeds "
        f"{', '.join(map(str, s['seeds']))}. Baseline: {results['models']['ngram']['n']}-gram (n of "
        f"{', '.join(map(str, NGRAM_N))} chosen on validation)." + (" Quick run." if s["quick"] else ""),
        "",
        "| detector | F1 | precision | recall | false alarms | "
        + " | ".join(f"recall: {KIND_NAMES[k]}" for k in ANOMALY_KINDS) + " | k | z |",
        "|---|---|---|---|---|" + "---|" * len(ANOMALY_KINDS) + "---|---|",
    ]
    for r in results["models"].values():
        kinds = " | ".join(format_over_runs(r["recall_by_kind"][k]) if k in r["recall_by_kind"] else "--"
                           for k in ANOMALY_KINDS)
        lines.append(f"| {r['name']} | {format_over_runs(r['f1'])} | {format_over_runs(r['precision'])} | "
                     f"{format_over_runs(r['recall'])} | {format_over_runs(r['false_alarm_rate'])} | {kinds} | "
                     f"{format_over_runs(r['k'], 1)} | {format_over_runs(r['z'], 1)} |")
    lines += ["", "False alarms: the share of normal test sessions flagged. Precision and recall against k: "
              "precision_recall.png."]
    return "\n".join(lines) + "\n"
