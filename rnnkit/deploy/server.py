"""A model server: a fitted estimator behind HTTP (FastAPI), with dynamic batching of concurrent requests.

=====================  =====================================================================================
route                  what
=====================  =====================================================================================
``POST /predict``      ``{"sequences": [[[f1, f2, ...], ...], ...]}`` (one list of steps per sequence, each step
                       a list of the ``F`` raw features, or, for a model fitted on named features, an
                       object ``{name: value}`` read by name; for a model of one feature, a step may be
                       the number itself, ``{"sequences": [[0.1, 0.4, ...]]}``, as ``predict`` reads an
                       ``(n, T)`` array) -> ``{"predictions": [...]}``, plus
                       ``"probabilities"`` for a classifier (``(n, n_classes)``) or a tagger (per step), and
                       ``"warnings"`` (one-line texts) where ``predict`` would warn: the request's times look to
                       be in other units than at fit; several sequences of one number each to a model of one
                       feature (``x.tolist()`` of one sequence ``(T, 1)``, read as T sequences); sequences that
                       look padded after their end (zeros where every sequence has one length, as an array's
                       ``tolist()``; a ``time_aware`` model's null or NaN steps), read as steps; a
                       ``time_aware`` model's sequences with nothing observed (answered from the fitted means)
``GET /health``        ``{"status": "ok"}`` (``HEAD /health`` and ``HEAD /model``: the same, without the body)
``GET /model``         estimator, features (names when known, else their count), classes, a regressor's
                       targets (the names of a DataFrame ``y``'s columns, else null), ``missing_values``
                       (whether a step may hold null or NaN: ``time_aware=True``), ``times`` (``"numbers"`` or
                       ``"dates"`` for a model fitted with sample times, whose requests carry ``"times"``: one
                       list per sequence, a time per step, dates as ISO text; else null), rnnkit version
``GET /predict``       405, naming ``POST /predict`` and its body (a browser, or curl without ``-d``)
any other              404 (a path: ``POST /invocations``) or 405 (a method: ``PUT /predict``), naming the routes
=====================  =====================================================================================

``"times": null`` is no times: a model of steps answers as without the key, a model fitted with sample times as
for a request that lacks it (400). A sequence's ISO times each carry a zone (``Z``, ``+02:00``) or none does:
mixed, a time without one would be read as UTC, and the request is refused (422) naming both steps.

**A refit.** The app serves the network the estimator had when the app was made; once the estimator is fitted
again (a new ``model_``), every route answers 503 with a one-line ``detail`` naming the refit (as
:class:`rnnkit.Streamer` refuses to step on), instead of serving the old model: make a new app. A request that
was already queued or running when the fit replaced the model gets the same 503, not the old model's answer.

**Dynamic batching.** Requests go into one asyncio queue; a worker takes the first waiting request, then
gathers more for up to ``max_wait_ms`` or until ``max_batch`` sequences are waiting, and runs them as one
batch through the estimator's own prediction path (padding and lengths included) in a worker thread, so the
event loop keeps accepting requests meanwhile. An app run in several event loops at once (``TestClient(app)``
outside a ``with`` block, from several threads) has a queue and a worker per loop. ``batching=False`` runs each
request alone, one at a time: the baseline the benchmark compares against.

**Bad requests** get a 4xx with a one-line ``detail``: 400 an empty body / not JSON (a gzip body, a multipart file
upload, a form field or a body of another declared media type, ``text/csv``, named as such; JSON whose text beyond
ASCII is not UTF-8, as Latin-1, named so, unless its ``Content-Type`` declares the charset it is in, which it is then
read in) / query parameters (``?threshold=0.9``: none is read) / wrong structure (a
key given twice, or another key than ``"sequences"``, which would be ignored) / not numbers (JSON ``true`` and
``false`` are read as 1.0 and 0.0, as ``fit``, ``predict`` and :class:`rnnkit.Streamer` read a boolean feature;
text such as ``"1.5"`` is refused, not parsed), 415 a
``Content-Encoding`` (gzip, ...), 413 too large (body bytes, counted as the body arrives, a chunked one too;
sequences per request, steps per sequence), 422
wrong feature count (or, for a step given as an object, other feature names than the model's: each is
named), empty sequence, a number beyond float32's range, NaN or infinity (a ``time_aware=True`` model reads
``null`` or ``NaN`` as a missing value; infinity is refused), times that are not ISO dates (or numbers), lie beyond
float64, or lie beyond float32's range of time units after their sequence's first (the decays would read infinity);
and 422 for a sequence whose answer is NaN (a value whose standardisation the network's float32 arithmetic cannot
carry), naming its step and feature, where JSON has no NaN to answer with. The values are checked before anything
runs, so a batch never fails because of one request.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import copy
import json
import math
import os
import re
import socket
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from ..checks import (
    FLOAT32_MAX,
    check_flags,
    farthest_from_scaling,
    int_meant_fix,
    is_count,
    is_finite_number,
    is_integer,
    is_number_text,
    named_difference,
)
from ..data.tables import _MAGIC_FORMATS, _NPY, _ZIP
from ..data.video import _IMAGE_MAGIC
from ..io import is_export_directory, torch_saved, zip_names
from .export import check_labels_json, check_not_refitted, export_of_entry, wrapper_hint
from .streaming import (
    ZONED,
    compact_date_hint,
    count_fix,
    date_text,
    go_time_fix,
    not_finite_fix,
    ordinal_date_fix,
    week_date_fix,
    zone_name_fix,
)

FLOAT64_MAX = float(np.finfo(np.float64).max)


@dataclass(frozen=True)
class Limits:
    """What one request may hold."""

    max_body_bytes: int = 8 * 2**20
    max_sequences: int = 1024
    max_steps: int = 10_000


SHAPE = '{"sequences": [[[f1, f2, ...], ...], ...]}: sequences of steps of features'


class RequestError(ValueError):
    """A bad request: its HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


# -- the request ----------------------------------------------------------------------------------------------
def _encoded_twice(value, part: str | None = None) -> str:
    """For ``value``, a JSON string whose text is itself a JSON object or array (a payload encoded twice:
    ``requests.post(url, json=json.dumps(payload))``, ``JSON.stringify`` of a string; ``part``, a part of the body
    given as its text, ``json.dumps(seqs)``), the words naming that and the fix; "" for any other value."""
    if not isinstance(value, str) or value.strip()[:1] not in ("{", "["):
        return ""
    try:
        inner = json.loads(value)
    except ValueError:
        return ""
    kind = _json_kind(inner)
    what = f" whose text is itself JSON (an {kind}): it was encoded twice"
    if part is not None:
        return f"{what}; give {part} as JSON itself, not its text (in Python: the list itself, not json.dumps of it)"
    return (f"{what} (requests.post(url, json=json.dumps(payload)), or JSON.stringify of a string); send the JSON "
            f"itself, requests.post(url, json=payload) (JavaScript: body: JSON.stringify(payload) once)")


def _two_documents(body: bytes, error: ValueError) -> str | None:
    """The reason for a body that holds one JSON document after another (JSON Lines, as ``df.to_json(orient=
    'records', lines=True)`` writes, or two bodies joined), which ``json.loads`` calls "Extra data"; else None."""
    if not isinstance(error, json.JSONDecodeError) or not error.msg.startswith("Extra data"):
        return None  # a UnicodeDecodeError (gzip bytes) has no document to name
    rest = error.doc[error.pos:].lstrip() if isinstance(error.doc, str) else ""
    if rest[:1] not in ("{", "["):
        return None
    line = error.doc.count("\n", 0, error.pos) + 1
    return (f"request body holds more than one JSON document (another begins on line {line}, as JSON Lines or two "
            f"bodies joined write them); send one JSON object, {{\"sequences\": [...]}} holding every sequence "
            f"(the answers come in its order)")


def _json_kind(value) -> str:
    """JSON's name for the type of a parsed value (a list is an array)."""
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "object" if isinstance(value, dict) else "null")


def _array_wrap(payload: list, names: list[str] | None, n_features: int | None = None) -> str:
    """How to send a body that is a bare JSON array, by what its first item is: sequences (lists of steps) go under
    "sequences" as they are; one sequence's steps (lists of numbers, as x.tolist() of one sequence gives) or one
    step's features (numbers) go in one or two lists more; rows as objects (pandas' to_json(orient='records')) are one
    sequence's steps where the model has feature names (S40-05: the one wrap of every array led to a second refusal).
    For a model of one feature, numbers are its values: a list of them one sequence, lists of them sequences, each
    value its own step's list (``[[v] for v in s]``), unless the first list holds one number (a step already)."""
    first = payload[0]
    if isinstance(first, list) and first and isinstance(first[0], list):
        return '; send it as {"sequences": <the array>}'
    if n_features == 1 and isinstance(first, list) and len(first) != 1:
        return (f"; it is {len(payload)} sequence(s) of the model's one feature's values (lists of numbers)? send each "
                f"value as its step's list: {{\"sequences\": [[[v] for v in s] for s in <the array>]}}")
    if n_features == 1 and not isinstance(first, list | dict) and len(payload) != 1:
        return (f"; it is one sequence of the model's one feature's {len(payload)} values? send each value as its "
                f"step's list: {{\"sequences\": [[[v] for v in <the array>]]}}")
    if isinstance(first, list):
        return (f"; it is one sequence's {len(payload)} steps (a list of lists of numbers, as x.tolist() of one "
                f'sequence gives)? send it as {{"sequences": [<the array>]}}')
    if isinstance(first, dict):
        how = (f"{{\"sequences\": [<the array>]}}, each object keyed by the model's features {names}" if names else
               "{\"sequences\": [df[features].values.tolist()]}, each step a list of the model's features' numbers "
               "(the model has no feature names to key them by)")
        return f"; it is rows as objects (pandas' to_json(orient='records'))? as one sequence's steps, send {how}"
    if _json_kind(first) == "number" or first is None:
        return (f"; it is one step's {len(payload)} features (a list of numbers)? send it as "
                f'{{"sequences": [[<the array>]]}}')
    return '; send it as {"sequences": <the array>}'


def _table_payload(payload: dict) -> str:
    """What table format a JSON object without "sequences" is in, if any: pandas' ``to_json(orient='split')``
    (keys "columns" and "data", maybe "index"), or MLflow's serving formats ("dataframe_split", "dataframe_records");
    "" for none (S40-06)."""
    if {"columns", "data"} <= set(payload) <= {"columns", "data", "index"}:
        return "a DataFrame as pandas' to_json(orient='split') writes it"
    if len(payload) == 1 and (key := next(iter(payload))) in ("dataframe_split", "dataframe_records"):
        return f"a DataFrame as MLflow's {key} sends it"
    return ""


def parse_request(body: bytes, n_features: int, limits: Limits, *, missing: bool = False,
                  names: list[str] | None = None, times: str | None = None, time_unit: float | None = None,
                  notes: list[str] | None = None, content_type: str | None = None) -> list:
    """The sequences of a ``/predict`` body as float64 arrays ``(T_i, F)``, JSON's numbers as they are, which
    ``predict`` standardises in float64 (a feature far from zero beside its spread keeps its variation); each
    within float32's range, which the network's inputs carry. RequestError when bad.

    ``missing``: the model reads missing values (``time_aware=True``), which a request gives as ``null`` or
    ``NaN``; both become NaN. Infinity is refused either way. ``names``: the features the model was fitted on
    (None without names); a step may then be an object ``{name: value}``, read by name, every name exactly once.
    ``times``: what a model fitted with sample times reads ("numbers" or "dates"; None: none): the body's
    ``"times"`` then gives a list of times per sequence, and each item returned is ``(array, times)``; ``time_unit``:
    the fitted unit of its gaps (``time_unit_``), within float32's range of which each time must lie of its first.
    ``notes``: a list to which what the request most likely meant, where it reads otherwise, is added (a warning
    of the answer): several sequences of one number each, as ``x.tolist()`` writes one sequence ``(T, 1)``.
    ``content_type``: the request's header, whose charset other than UTF-8 the body is read in
    (:func:`declared_charset`) and whose media type names a body that is not JSON (``text/csv``)."""
    if len(body) > limits.max_body_bytes:
        raise RequestError(413, body_limit_reason(f"{len(body)} bytes", limits.max_body_bytes))
    if not body.strip():  # json's own words, "Expecting value: line 1 column 1 (char 0)", name no body at all
        raise RequestError(400, f"request body is {'empty' if not body else 'blank (whitespace only)'}; send the "
                                f"JSON {SHAPE} as the body (curl -d @seq.json -H 'Content-Type: application/json', or "
                                f"requests.post(url, json=payload))")
    if (charset := declared_charset(content_type)) is not None:
        body = as_utf8(body, *charset)
    try:
        payload = json.loads(body, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RequestError(400, _not_utf8(body) or _two_documents(body, e)
                           or f"request body is not JSON ({e}){_not_json_hint(body, content_type, e)}") from None
    except ValueError as e:  # an integer literal of over 4300 digits (Python's limit for reading one)
        raise RequestError(422, f"request body holds a number beyond float32's range ({str(e).split(':')[0]})"
                           ) from None
    except RecursionError:
        raise RequestError(400, "request body is nested too deeply") from None
    if isinstance(payload, _Repeated):
        raise RequestError(400, f"request body gives the key {payload.repeated!r} twice; give it once")
    if not isinstance(payload, dict):
        wrap = _array_wrap(payload, names, n_features) if isinstance(payload, list) and payload else ""
        raise RequestError(400, f'request body must be a JSON object {{"sequences": [[[f1, f2, ...], ...], ...]}}, '
                                f'got a JSON {_json_kind(payload)}{_encoded_twice(payload) or wrap}')
    if "sequences" not in payload:  # a misspelt or other key: name what was sent
        close = [k for k in payload if k.strip().lower().removesuffix("s") == "sequence"]  # "Sequences", "sequence"
        # another server's key for the inputs, holding the sequences: TensorFlow Serving's and KServe's "instances"
        # or "inputs", a "data" or "X" of one's own
        held = [k for k, v in payload.items() if isinstance(v, list) and v] if len(payload) == 1 else []
        if table := _table_payload(payload):  # a DataFrame as pandas or MLflow sends it: rows, not sequences
            raise RequestError(400, f'request body has no key "sequences": it is {table}, a table\'s rows, not '
                                    f'sequences of steps; send each sequence\'s rows as its steps, {{"sequences": '
                                    f'[g[features].values.tolist() for _, g in df.groupby(id_column)]}} (one sequence: '
                                    f'{{"sequences": [df[features].values.tolist()]}}), the rows of each in time order')
        rename = (f'; rename {close[0]!r} to "sequences"' if close else
                  f'; if {held[0]!r} holds the sequences (another server\'s name for the inputs), rename it to '
                  f'"sequences"' if held else "")
        raise RequestError(400, f'request body has no key "sequences" (it has {sorted(payload)[:5]}{rename}); send '
                                f'{SHAPE}')
    if not times and "times" in payload and payload["times"] is None:  # a client's optional field, sent as null
        del payload["times"]
    if extra := sorted(set(payload) - {"sequences", *(["times"] if times else [])}):  # "lengths", "ids": ignored
        why = (' ("times": the model was fitted without sample times; its decays count steps)' if "times" in extra
               else "")
        raise RequestError(400, f'request body has the key(s) {extra}, which the server does not read{why}; it reads '
                                f'only "sequences"{" and times" if times else ""} (every step of a sequence is read: '
                                f'trim padding yourself)')
    if times and payload.get("times") is None:
        raise RequestError(400, f'request body has {"no key" if "times" not in payload else "null for"} "times"; the '
                                f'model was fitted with sample times: send '
                                f'"times", a list of one time per step for each sequence ({times}'
                                f'{", as ISO text" if times == "dates" else ""})')
    sequences = payload["sequences"]
    if isinstance(sequences, dict) and sequences:  # sequences keyed by an id, {"sensor-1": [...], ...}
        raise RequestError(400, f'"sequences" is a JSON object keyed by {list(sequences)[:3]}, not a list; give the '
                                f'sequences as a list (e.g. list(d.values())): the answers come in its order')
    if not isinstance(sequences, list) or not sequences:
        raise RequestError(400 if not isinstance(sequences, list) else 422,
                           '"sequences" must be a non-empty list of sequences (lists of steps)'
                           + (", got a JSON string" + _encoded_twice(sequences, '"sequences"')
                              if isinstance(sequences, str) else ""))
    if len(sequences) > limits.max_sequences:
        raise RequestError(413, f"{len(sequences)} sequences exceed the limit of {limits.max_sequences} "
                                f"per request ({_set_by('max_sequences')}); split the request")
    if notes is not None and n_features == 1 and len(sequences) > 1 and all(
            isinstance(seq, list) and len(seq) == 1 and type(seq[0]) in (int, float) for seq in sequences):
        notes.append(_one_step_each(len(sequences)))
    arrays = []
    for i, seq in enumerate(sequences):
        if isinstance(seq, dict):
            raise RequestError(400, _frame_hint(seq, i, names, n_features))
        if not isinstance(seq, list):
            raise RequestError(400, f"sequence {i} must be a list of steps, got a JSON {_json_kind(seq)}"
                               + (_encoded_twice(seq, f"sequence {i}") or _flat_sequences_hint(sequences, n_features)))
        if not seq:
            raise RequestError(422, f"sequence {i} is empty; every sequence needs at least one step")
        if len(seq) > limits.max_steps:
            raise RequestError(413, f"sequence {i} has {len(seq)} steps, over the server's limit of {limits.max_steps} "
                                    f"steps per sequence ({_set_by('max_steps')}); a sequence is read whole, so cut "
                                    f"short it would answer otherwise: send it to a server made with a larger limit")
        for t, step in enumerate(seq):
            if isinstance(step, dict):
                seq[t] = step = _named_step(step, i, t, n_features, names, missing, times)
            elif n_features == 1 and not isinstance(step, list):
                seq[t] = step = [step]  # one feature: a sequence of numbers is its steps, as predict reads (n, T)
            if not isinstance(step, list):
                flat = (f" (sequence {i} is a flat list of numbers: give each step as a list of the model's "
                        f"{n_features} features, [[f1, ..., f{n_features}], ...])"
                        if type(step) in (int, float, bool) else f" (each sequence is a list of steps: {SHAPE})")
                raise RequestError(400, f"sequence {i}, step {t} must be a list of {n_features} numbers, got "
                                        f"{type(step).__name__}{flat}")
            if (inner := next((v for v in step if type(v) is list), None)) is not None:  # before the count, which
                # would name the lists as features (and a series' steps as channels by time)
                raise RequestError(400, f"sequence {i}, step {t} holds a list, {json.dumps(inner)[:40]}, where a "
                                        f"feature belongs: the body is nested one level too deep ({SHAPE})")
            if len(step) != n_features:
                # sktime's (channels, time) orientation: n_features lists of one length (not one ragged step)
                transposed = bool(step) and len(seq) == n_features and all(type(s) is list and len(s) == len(step)
                                                                           for s in seq)
                named = f": {names} (GET /model), in that order" if names and n_features <= 20 else ""
                if transposed and n_features == 1:  # sktime's (n, 1, T) univariate array, X[i].tolist()
                    head = json.dumps(step[:2])[1:-1]
                    how = (f" (sequence {i} is one list of {len(step)} numbers inside a list, (1, T): one channel "
                           f"by time, as sktime's (n, 1, T) arrays hold a univariate series? for {len(step)} steps "
                           f"of the model's one feature send the numbers as the sequence, "
                           f'{{"sequences": [[{head}, ...]]}} (X[:, 0].tolist() for all of them), or transpose it)')
                else:
                    how = (f" (sequence {i} is {n_features} lists of {len(step)}: channels by time? give it as a "
                           "list of steps, each the features at one time: transpose it)" if transposed else "")
                if (k := next((k for k, v in enumerate(step) if date_text(v)), None)) is not None:
                    # a time column, whatever the shape suggests: channels by time hold no date
                    how = f" (its value {k}, {json.dumps(step[k])}, is a date{_time_goes(times)})"
                if not how and t > 0 and step and type(seq[0]) is list and len(seq[0]) == n_features:
                    # one ragged step among whole ones: a value of that step left out or doubled, not a column
                    null = " (a missing value is null)" if missing else ""
                    how = (f"; its step 0 has all {n_features}: a value left out of step {t}? give every step all "
                           f"{n_features} features{null}" if len(step) < n_features else
                           f"; its step 0 has {n_features}: a value too many in step {t}? give every step the "
                           f"{n_features} features alone")
                elif not how:
                    how = count_fix(len(step), n_features)
                raise RequestError(422, f"sequence {i}, step {t} has {len(step)} features; the model reads "
                                        f"{n_features}{named}{how}")
            for k, v in enumerate(step):
                if missing and (v is None or type(v) is float and math.isnan(v)):
                    continue  # a missing value: NaN in the array below
                if type(v) not in (int, float, bool):  # true / false read as 1.0 / 0.0, as fit and predict read a bool
                    hint = (" (give a model fitted with time_aware=True to read missing values)" if v is None else
                            f" (a date{_time_goes(times)})" if date_text(v) else
                            _text_feature_hint(v, missing) if isinstance(v, str) else "")
                    raise RequestError(400, f"sequence {i}, step {t} holds {json.dumps(v)}; features must "
                                            f"be numbers{hint}")
                if type(v) is int and abs(v) > FLOAT32_MAX:  # too large even to test as a float
                    raise RequestError(422, _beyond_float32(i, t, k, v, names, missing))
                if math.isinf(v) and b"Infinity" not in body:  # a literal such as 1e400, read as infinity
                    raise RequestError(422, _beyond_float32(i, t, k, v, names, missing))
                if not math.isfinite(v):  # a missing value is NaN or null, never infinity
                    name = f" ({names[k]!r})" if names is not None and k < len(names) else ""
                    raise RequestError(422, f"sequence {i}, step {t}, feature {k}{name} holds {v}; "
                                            f"{not_finite_fix(v, missing)}")
        # float64, as predict reads JSON's numbers: standardised from the client's own values; None (missing) becomes
        # NaN, and no int overflows it (those beyond float32 were refused above)
        a = np.asarray(seq, dtype=np.float64)
        beyond = np.abs(a) > FLOAT32_MAX
        if beyond.any():  # a float literal beyond float32 but within a double, such as 4e38
            t, k = (int(v[0]) for v in np.nonzero(beyond))
            raise RequestError(422, _beyond_float32(i, t, k, seq[t][k], names, missing))
        arrays.append(a)
    return arrays if not times else list(zip(arrays, _request_times(payload["times"], arrays, times, time_unit),
                                             strict=True))


def _beyond_float32(i: int, t: int, k: int, value, names: list[str] | None, missing: bool) -> str:
    """The refusal of sequence ``i``'s step ``t``, whose feature ``k`` holds ``value``, beyond float32's range (which
    the network's inputs carry): named, with the likeliest cause, a fill value written for a missing reading."""
    name = f" ({names[k]!r})" if names is not None and k < len(names) else ""
    shown = (f"a number of {len(str(abs(value)))} digits, beyond" if isinstance(value, int) else
             "a number beyond float64's range (|x| <= 1.8e308), and so beyond" if math.isinf(value) else  # 1e400
             f"{value:.3g}, a number beyond")
    fix = ("send null for it (the model reads missing values)" if missing else
           "leave the step out, or fit with time_aware=True and send null")
    return (f"sequence {i}, step {t}, feature {k}{name} holds {shown} float32's range (|x| <= 3.4e38), which the "
            f"network reads; a fill value for a missing reading? {fix}; else rescale the feature")


def _text_feature_hint(text: str, missing: bool) -> str:
    """How to send a feature that came as JSON text: a number written as text (``"0.5"``, a CSV's cell passed on
    unparsed), with a decimal comma (``"0,5"``), or a missing value's word (``"NaN"``); "" for other text."""
    word = text.strip()
    if word.lower() in ("nan", "na", "null", "none", ""):
        return (", and a missing value is JSON null, unquoted" if missing else
                " (a missing value is JSON null, which a model fitted with time_aware=True reads)")
    if is_number_text(word):
        return f" (a number written as text: send it as a JSON number, {word}, without quotes)"
    if re.fullmatch(r"[-+]?\d+,\d+", word):
        return f" (a number with a decimal comma: send it as a JSON number, {word.replace(',', '.')})"
    return ""


def _flat_sequences_hint(sequences: list, n_features: int) -> str:
    """Where ``"sequences"`` is a flat list of numbers, one sequence's values (or one step's features) sent without
    the list of sequences around it: the readings it may have, each with the body that sends it, as ``predict``
    names them for a 1-D array (neither is guessed: T steps and T sequences of one step answer differently)."""
    if not all(type(v) in (int, float) for v in sequences):
        return ""
    n, head = len(sequences), json.dumps(sequences[:2])[1:-1]
    if n_features == 1 and n == 1:
        return f' (one sequence of one step: {{"sequences": [[{head}]]}})'
    if n_features == 1:
        first = [f"[[{v}]]" for v in head.split(", ")]
        return (f' ("sequences" is a flat list of {n} numbers; for one sequence of {n} steps of the model\'s one '
                f'feature send it inside a list, {{"sequences": [[{head}, ...]]}}, as predict reads X[None]; for '
                f'{n} sequences of one step each, {{"sequences": [{", ".join(first)}, ...]}})')
    one_step = (f'; if they are one step\'s {n} features, {{"sequences": [[[{head}, ...]]]}}'
                if n == n_features else "")
    return (f' ("sequences" is a flat list of {n} numbers; the model reads steps of {n_features} features: send '
            f'each sequence as a list of steps, each a list of {n_features} numbers, {SHAPE}{one_step})')


def _time_goes(times: str | None) -> str:
    """Where a step's time belongs, for a model that reads ``times`` (``"dates"``, ``"numbers"``) or none."""
    if times is None:
        return (": the model was fitted without sample times and reads no date (GET /model: times null); leave the "
                "time out of the step")
    return (': a step\'s time goes in "times", a list of one time per step for each sequence beside "sequences" '
            '(GET /model: times ' + times + '), not among its features')


def _one_step_each(n: int) -> str:
    """The warning for ``n`` sequences of one number each (``[[v], [v], ...]``) to a model of one feature: what
    ``predict`` warns of an ``(n, 1)`` array, which is as often one sequence ``(T, 1)`` given without its list."""
    return (f"the request's {n} sequences are one number each ([[v], [v], ...]), read as {n} sequences of one step; "
            f"if they are one sequence of {n} steps (T, 1), as x.tolist() of such an array writes it, send it inside a "
            f"list, {{\"sequences\": [x.tolist()]}} (or its values as one list, [[v1, v2, ...]])")


def padding_warning(arrays: list[np.ndarray], missing: bool) -> str | None:
    """What ``predict`` warns of sequences that look padded after their end, for a request's (``(T_i, F)`` each):
    a ``time_aware`` model's (``missing``) ending in steps missing in every feature (null or NaN, as padding to one
    length writes them: read as steps where nothing was observed); and, where every sequence has one length (an
    array sent as ``X.tolist()``), ending in steps 0 in every feature, in runs of two lengths at least, no other step
    being so (:func:`rnnkit.data.collate.zero_padding`). Every step sent is read; None where nothing looks padded."""
    from ..data.collate import blank_inside, blank_tails, zero_padding

    n = len(arrays)
    if missing:
        blank = [np.isnan(a).all(axis=1) for a in arrays]
        tails = blank_tails(blank)
        padded = [] if blank_inside(blank, tails) else np.flatnonzero(tails)
        if len(padded) >= 2:
            i = int(padded[0])
            return (f"{len(padded)} of the request's {n} sequences end in steps that are null (or NaN) in every "
                    f"feature (sequence {i}: its last {tails[i]} of {len(arrays[i])} steps), and no other step is, as "
                    f"padding to one length writes them; the model reads them as steps where nothing was observed: "
                    f"if they are padding, send each sequence without them (sequences may differ in length)")
    if n < 2 or len({len(a) for a in arrays}) > 1:
        return None
    padded, tails = zero_padding([(a == 0).all(axis=1) for a in arrays], strict=True)
    if not len(padded):
        return None
    i = int(padded[0])
    return (f"{len(padded)} of the request's {n} sequences end in steps that are 0 in every feature (sequence {i}: "
            f"its last {tails[i]} of {len(arrays[i])} steps; {len(set(tails.tolist()) - {0})} different counts), and "
            f"no other step is: zero padding after each sequence's end? Every step sent is read, the padding too: "
            f"send each sequence at its own length (sequences may differ in length); if the zeros are real, ignore "
            f"this warning")


def unobserved_warning(arrays: list[np.ndarray]) -> str | None:
    """What ``predict`` warns of a time-aware model's sequences with no observed value (null or NaN in every feature
    at every step), in the request's own terms (the batch ``predict`` ran names no request); None where there is
    none. Such a sequence is answered from the fitted means alone: the same answer for every one of them."""
    empty = [i for i, a in enumerate(arrays) if np.isnan(a).all()]
    if not empty:
        return None
    i = empty[0]
    return (f"sequence {i} has no observed value (null or NaN in every feature at each of its {len(arrays[i])} "
            f"steps; {len(empty)} such sequence(s) in the request): the model reads them as missing, and with nothing "
            f"observed answers from the fitted means alone, the same for every such sequence; if it holds no "
            f"recording, leave it out of the request")


_BYTE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}


def byte_count(text: str) -> int:
    """A size in bytes written as a whole number (``"8388608"``) or a whole number with a unit (``"8MiB"``,
    ``"10 MB"``: KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024); ValueError naming both readings of a bare
    ``"10M"`` (nginx's mebibytes, or megabytes), and for anything else."""
    found = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", text.strip().replace("_", ""))
    n, unit = (int(found[1]), found[2].lower()) if found else (None, None)
    if unit in ("", *_BYTE_UNITS):
        return n * _BYTE_UNITS.get(unit, 1)
    if unit in ("k", "m", "g"):
        si, iec = f"{n}{unit.upper()}B", f"{n}{unit.upper()}iB"
        raise ValueError(f"{text!r} is {si} ({n * _BYTE_UNITS[unit + 'b']} bytes) or {iec} "
                         f"({n * _BYTE_UNITS[unit + 'ib']} bytes)? write {si} or {iec} (or the bytes)")
    raise ValueError(f"{text!r} is not a size in bytes: write a whole number of bytes (8388608), or one with a unit "
                     f"(8MiB, 10MB; KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024)")


def _set_by(name: str) -> str:
    """Where the server's limit ``name`` (a field of :class:`Limits`) is set, in a refusal's words: in Python and on
    the command line (``rnnkit serve --max-body-bytes``, the field's name as an option)."""
    return (f"Limits.{name}, which create_app(estimator, limits=Limits({name}=...)), serve(model_dir, limits=...) "
            f"or rnnkit serve --{name.replace('_', '-')} sets")


def body_limit_reason(size: str, limit: int) -> str:
    """The refusal of a request body of ``size`` over ``limit`` bytes: fewer sequences per request, or, where one
    sequence alone is that large (10,000 steps of 50 features are some 10 MB of JSON), a server with a larger
    limit; a sequence cut short would answer otherwise."""
    return (f"request body of {size} exceeds the limit of {limit} bytes ({_set_by('max_body_bytes')}); "
            f"send fewer sequences per request, or, for a sequence this large alone (it is read whole), send it to a "
            f"server made with a larger limit")


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, read chunk by chunk and stopped with a 413 RequestError as soon as it passes ``limit``
    bytes: a chunked body (no Content-Length) or one longer than it declared is never held whole in memory."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, body_limit_reason(f"more than {limit} bytes", limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _frame_hint(seq: dict, i: int, names: list[str] | None, n_features: int) -> str:
    """Why sequence ``i``, a JSON object, is not a list of steps: most likely a pandas frame written by column
    (``to_dict()``, ``orient="list"``, ``to_json()``), by row keyed by its index (``orient="index"``), or as
    ``orient="split"`` / ``"tight"``; and how to send its steps."""
    steps = ("df.to_dict(orient='records') (each step an object by feature name) or df.to_numpy().tolist()" if names
             else "df.to_numpy().tolist() (each step the features in the order of fit)")
    if {"columns", "data"} <= set(seq) <= {"columns", "data", "index", "index_names", "column_names"}:
        orient = "tight" if "index_names" in seq or "column_names" in seq else "split"
        return (f'sequence {i} is a JSON object of "columns" and "data", a frame as pandas\' orient="{orient}" '
                f'writes it; give its "data", the list of steps, or {steps}')
    rows = [set(v) for v in seq.values() if isinstance(v, dict)]
    if len(rows) == len(seq) and all(r == rows[0] for r in rows) and (
            set(rows[0]) == set(names or ()) or names is None and len(rows[0]) == n_features != len(seq)):
        # each value one step, an object of its features: not columns, whose objects are keyed by the index
        return (f"sequence {i} is a JSON object keyed by {list(seq)[:3]}, each a step's features (a frame as pandas' "
                f"to_dict(orient='index') or to_json(orient='index') writes it, one object per row keyed by its "
                f"index), not a list of steps; give {steps}, the rows in their order")
    if all(isinstance(v, list | dict) for v in seq.values()):
        return (f"sequence {i} is a JSON object keyed by {list(seq)[:3]}, each a column of steps (a frame as pandas' "
                f"to_dict() or orient='list' writes it), not a list of steps; give {steps}")
    if all(type(v) in (int, float) for v in seq.values()):
        return (f"sequence {i} is a JSON object of numbers keyed by {list(seq)[:3]} (a pandas Series as to_dict() or "
                f"to_json() writes it, by its index), not a list of steps; give its values in order: s.tolist()")
    return f"sequence {i} must be a list of steps, got a JSON object keyed by {list(seq)[:3]} ({SHAPE})"


def _request_times(given, arrays: list[np.ndarray], kind: str, unit: float | None = None) -> list:
    """The ``"times"`` of a request, one per sequence, checked as fit checks them (a time per step, finite,
    increasing; with ``unit``, each within float32's range of units of its first, as the decays read them): numbers
    as float64 arrays, dates (ISO text) as DatetimeIndex."""
    from ..data.sample_times import read_sample_times

    if not isinstance(given, list) or len(given) != len(arrays):
        raise RequestError(422, f'"times" must be a list of {len(arrays)} lists (one per sequence, a time per step), '
                                f'got {f"{len(given)}" if isinstance(given, list) else f"a JSON {_json_kind(given)}"}')
    out = []
    for i, t in enumerate(given):
        if not isinstance(t, list):
            raise RequestError(422, f"times of sequence {i} must be a list of its steps' times, got a JSON "
                                    f"{_json_kind(t)}")
        want = (str,) if kind == "dates" else (int, float)
        k = next((k for k, v in enumerate(t) if type(v) not in want), None)  # type(True) is bool: not a number
        if k is not None:
            bad = t[k]
            raise RequestError(422, f"times of sequence {i}, step {k} holds {json.dumps(bad)}; the model reads "
                                    + ("dates, as ISO text (e.g. \"2024-01-01T10:00:00Z\")" if kind == "dates" else
                                       "numbers") + _other_kind_of_time(bad, kind))
        if kind == "dates":
            t = _request_dates(t, i)
        elif t and all(type(v) is int and -(2**63) <= v < 2**63 for v in t):
            t = np.asarray(t, dtype=np.int64)  # nanosecond epochs (1.7e18) are 256 apart as float64: read exactly
        else:
            try:
                t = np.asarray(t, dtype=np.float64)
            except OverflowError:  # an integer literal beyond a double
                k = next(k for k, v in enumerate(given[i]) if type(v) is int and abs(v) > FLOAT64_MAX)
                raise RequestError(422, f"times of sequence {i}, step {k} holds a number beyond float64's range; give "
                                        "the times in a unit that keeps them within it") from None
        out.append(t)
    try:
        relative, _ = read_sample_times(out, arrays, np.array([len(a) for a in arrays]), "request",
                                        ids=list(range(len(arrays))))
    except ValueError as e:
        raise RequestError(422, str(e).replace("request: ", "", 1)) from None
    if unit is not None and not (relative / unit <= FLOAT32_MAX).all():  # the decays would read inf: NaN answers
        i, k = (int(v[0]) for v in np.nonzero(~(relative / unit <= FLOAT32_MAX)))
        raise RequestError(422, f"times of sequence {i}, step {k} lie {relative[i, k] / unit:.3g} time units after its "
                                f"first step ({unit:g} {'seconds ' if kind == 'dates' else ''}each, as at fit), beyond "
                                f"float32's range, which the decays read; give the times in the units of fit")
    return out


def _other_kind_of_time(value, kind: str) -> str:
    """How to send ``value``, a request's time of the other kind than the model reads (``kind``): a number written as
    text to a model of numbers (a CSV's cell passed on unparsed), a number that reads as Unix time in seconds,
    milliseconds, ... to a model of dates (a database's or a logger's epoch; YYYYMMDD digits as that date); ""
    where nothing likely is known."""
    import pandas as pd

    from ..data.tables import epoch_unit

    if kind == "numbers":
        if isinstance(value, str) and is_number_text(value):
            return f" (a number written as text: send it as a JSON number, {value.strip()}, without quotes)"
        return ""
    if type(value) not in (int, float):
        return ""
    if hint := compact_date_hint(str(value)):
        return hint
    if (read := epoch_unit(value)) is None:  # a date between 1973 and 2286 in none of the units
        return ""
    unit, code = read
    iso = pd.Timestamp(value, unit=code, tz="UTC").isoformat().replace("+00:00", "Z")
    return (f"; if it is Unix time in {unit} ({iso}), send it as ISO text, \"{iso}\" (Python: "
            f"pd.to_datetime(t, unit='{code}', utc=True).isoformat(); JavaScript: new Date(ms).toISOString())")


def time_scale_warning(sequences: list, unit: float) -> str | None:
    """The warning ``predict`` gives for a request's times (parsed: ``(array, times)`` per sequence) whose median gap
    is 10 times or more away from the fitted ``unit`` (times in other units than at fit: milliseconds for
    seconds), without its ``who``; None otherwise. The answer carries it in ``"warnings"``."""
    from ..data.sample_times import check_time_scale, read_sample_times

    lengths = np.array([len(a) for a, _ in sequences])
    relative, _ = read_sample_times([t for _, t in sequences], None, lengths, "request")
    message = check_time_scale(relative, lengths, unit, "request")
    return None if message is None else message.removeprefix("request: ")


def _request_dates(t: list[str], i: int):
    """The ISO texts of sequence ``i``'s times as a DatetimeIndex in UTC; RequestError, naming the step, for a text
    that is not an ISO date or a sequence whose times mix dates with a zone and dates without (read as UTC, their
    gaps would be off by the offset)."""
    import pandas as pd

    read = [_zone_word_as_z(v) for v in t]  # "... 10:00:00 UTC" names its zone as Z does: read so, as the Streamer does
    # a number as text is refused even where ISO 8601 reads it, as a year: seconds "1800", "2000" are no dates
    number = next(((k, v) for k, v in enumerate(t) if is_number_text(v)), None)
    try:
        if number is not None:
            raise ValueError(number[1])
        index = pd.DatetimeIndex(pd.to_datetime(read, format="ISO8601", utc=True))
    except (TypeError, ValueError):
        k, v = number or next(((k, t[k]) for k, v in enumerate(read) if not date_text(v)), (0, t[0]))
        number = " (a number as text: the model reads dates)" if is_number_text(v) else ""
        if (ordinal := ordinal_date_fix(v) or week_date_fix(v)) is not None:  # ISO 8601 forms pandas does not read
            raise RequestError(422, f"times of sequence {i}, step {k} holds {json.dumps(v)}: {ordinal}") from None
        fix = (zone_name_fix(v) or go_time_fix(v) or _zone_word_fix(v)
               or 'give each time as ISO text (e.g. "2024-01-01T10:00:00Z")' + compact_date_hint(v))
        raise RequestError(422, f"times of sequence {i}, step {k} holds {json.dumps(v)}, which is not an ISO 8601 "
                                f"date{number}; {fix}") from None
    zoned = [_has_offset(v) for v in read]
    if any(zoned) and not all(zoned):
        k = zoned.index(not zoned[0])
        raise RequestError(422, f"times of sequence {i} mix dates with a time zone and dates without: step 0 "
                                f"{json.dumps(t[0])}, step {k} {json.dumps(t[k])}; a date without one is read as UTC, "
                                f"so the gap would be off by the offset; give every time its zone (Z or +HH:MM)")
    back = np.flatnonzero(np.diff(index.asi8) <= 0) if not index.hasnans else ()
    if len(back):  # named here in the request's own text: read_sample_times would name pandas' reprs, in UTC
        k = int(back[0]) + 1
        pair = (k - 1, k)
        offsets = any(zoned[j] and not read[j].rstrip().endswith("Z") for j in pair)  # "+02:00": shown in UTC too
        shown = [json.dumps(t[j]) + (f" ({index[j]:%Y-%m-%d %H:%M:%S} UTC)" if offsets else "") for j in pair]
        order = "the same time as" if index[k] == index[k - 1] else "a time earlier than"
        raise RequestError(422, f"times of sequence {i} must be strictly increasing, but step {k} holds {order} step "
                                f"{k - 1}: {shown[1]} after {shown[0]}; send the steps sorted by time, and drop or "
                                f"merge steps given the same time")
    return index


# a date whose zone is the bare word UTC or GMT, as R's format(usetz=TRUE), strftime("%Z") of a UTC datetime or a
# database prints it: "2024-03-01 10:00:00 UTC" (an offset after the word, GMT+01:00, is refused: POSIX reverses it)
_ZONE_WORD = re.compile(r"(?<=\d)\s+(UTC|GMT)\s*$")


def _zone_word_as_z(text):
    """``text`` with a trailing zone word UTC or GMT written as ISO 8601 writes that zone, ``Z`` (a date alone at
    midnight: ``2024-03-01 UTC`` as ``2024-03-01T00:00Z``, a form pandas and the :class:`rnnkit.Streamer` refuse); any
    other value as given. The word names offset 0 without doubt, as pandas, and so the Streamer, read it after a time
    of day; a date that already has an offset before the word (``10:00+01:00 UTC``) says two zones and is left to be
    refused."""
    match = _ZONE_WORD.search(text) if isinstance(text, str) else None
    if match is None:
        return text
    bare = text[:match.start()].strip()
    if _has_offset(bare) or not re.fullmatch(r"[\d\-:.T ]+", bare):
        return text
    return bare + ("Z" if re.search(r"\d:\d", bare) else "T00:00Z")


def _has_offset(text: str) -> bool:
    """Whether ``text``, an ISO date, ends in a zone (``Z``, ``+02:00``) after a time of day: a date alone's day
    (``2024-03-01``) reads as an offset to :data:`ZONED`."""
    return ZONED.search(text.strip()) is not None and ("T" in text or " " in text.strip())


def _zone_word_fix(text) -> str | None:
    """How to write ``text``, a date whose zone is the word UTC or GMT that is not read as ``Z`` (an offset before the
    word as well: two zones), as ISO 8601 writes it; None otherwise."""
    match = _ZONE_WORD.search(text) if isinstance(text, str) else None
    if match is None:
        return None
    bare = text[:match.start()].strip()
    if _has_offset(bare):
        return (f"it names two zones, an offset and the word {match.group(1)} after it; send the date with its offset "
                f"alone, {bare!r}")
    return None


def _not_utf8(body: bytes) -> str | None:
    """The reason for a body that reads as JSON but for a byte beyond ASCII that is not UTF-8, the encoding JSON is
    sent in (a feature name such as 'température' written in Latin-1 or Windows-1252: one byte per letter); else
    None."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        near = body[max(e.start - 12, 0):e.start + 1].decode("latin-1")
        return (f"request body is not UTF-8 text, the encoding JSON is sent in: byte 0x{body[e.start]:02x} at byte "
                f"{e.start} ({near!r} read as Latin-1) is not UTF-8 "
                f"(text in Latin-1 or Windows-1252, as Windows PowerShell 5's Invoke-RestMethod sends a string "
                f"body?); send the body as UTF-8 bytes (PowerShell: -Body ([Text.Encoding]::UTF8.GetBytes($json)); "
                f"Python: requests.post(url, json=payload))")
    return None


def declared_charset(content_type: str | None) -> tuple[str, str] | None:
    """The ``charset`` a request's ``Content-Type`` declares when it is not UTF-8 (or ASCII, its subset): its codec,
    as Python names it (``"iso8859-1"`` for ``iso-8859-1``, ``"cp1252"`` for ``windows-1252``), and the name as
    written; None where none is declared, or it is one of the UTF encodings json reads itself. RequestError (415)
    for a charset Python has no codec for."""
    import codecs

    match = re.search(r";\s*charset\s*=\s*\"?([^\s;\"]+)", content_type or "", re.IGNORECASE)
    if match is None:
        return None
    try:
        codec = codecs.lookup(match.group(1)).name
    except LookupError:
        raise RequestError(415, f"request body's Content-Type declares charset={match.group(1)}, which is no text "
                                f"encoding known here; send the JSON as UTF-8 (charset=utf-8, or no charset)") from None
    # json reads UTF-16 and UTF-32 itself, finding their byte order whether or not a BOM says it
    return None if codec in ("utf-8", "ascii") or codec.startswith(("utf-16", "utf-32")) else (codec, match.group(1))


def as_utf8(body: bytes, codec: str, declared: str) -> bytes:
    """``body``, text in the ``codec`` its Content-Type declares (``declared``, as written there), as UTF-8 bytes, the
    encoding JSON is read in: a Latin-1 body that says so (``requests.post(url, data=text.encode('latin-1'),
    headers={'Content-Type': 'application/json; charset=iso-8859-1'})``) is read as its sender wrote it, not refused
    as UTF-8 gone wrong. RequestError (400) for bytes that are not text in that charset."""
    try:
        return body.decode(codec).encode("utf-8")
    except UnicodeDecodeError as e:
        raise RequestError(400, f"request body is not {declared} text, as its Content-Type declares: byte "
                                f"0x{body[e.start]:02x} at byte {e.start} is not {declared}; send the JSON as UTF-8 "
                                f"(charset=utf-8), or declare the charset it is written in") from None


def _not_json_hint(body: bytes, content_type: str | None = None, error: ValueError | None = None) -> str:
    """What a body that is not JSON most likely is (by its bytes, by where ``error``, json's, stopped, else by the
    media type its ``content_type`` declares, ``text/csv``), and how to send the JSON instead."""
    send = "; send the JSON document itself as the body (curl -d @seq.json, or requests.post(url, json=payload))"
    if isinstance(error, json.JSONDecodeError) and (found := _not_json_text(error)):
        return found
    if body[:2] == b"\x1f\x8b":
        return ": it is gzip-compressed data; send it uncompressed"
    saved = ("a NumPy .npy array (np.save)" if body.startswith(_NPY) else
             "a Python pickle (pickle.dumps), which a server must not read: unpickling runs code"
             if body[:1] == b"\x80" and body[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05") else None)
    numbers = ("send the arrays as JSON numbers, {\"sequences\": [x.tolist() for x in X]} (requests.post(url, "
               "json=payload))")
    if saved is not None:  # an array sent as its file's bytes (data=open("x.npy", "rb"), data=pickle.dumps(x))
        return f": it is {saved}; {numbers}"
    # a file of its own format: np.savez's, torch.save's or a workbook's zip, an image, a PDF, a table's file
    if (marked := _zip_kind(body) if body.startswith(_ZIP) else _marked_file(body)) is not None:
        what, reader = marked
        return f": it is {what}; " + (f"read it first ({reader}), then " if reader else "") + numbers
    if _binary(body):  # data=x.tobytes(): no mark to tell it by, but no text either (NULs, bytes that are no UTF-8)
        n = len(body)
        read = " or ".join(f"{n // size} {dtype}" for dtype, size in (("float32", 4), ("float64", 8)) if n % size == 0)
        return (f": it is binary data, not text, with no mark of a file format, as an array's x.tobytes() is "
                f"({n} bytes{f': {read} values' if read else ''}, with neither shape nor dtype); {numbers}")
    if body[:2] == b"--" and b"Content-Disposition: form-data" in body[:1024]:
        return ": it is a multipart form (a file upload, as curl -F file=@seq.json sends)" + send
    head = body[:64].split(b"=", 1)[0]
    if b"=" in body[:64] and head and all(c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
                                          for c in head):
        return f": it is a form field ({head.decode()}=...), as curl --data-urlencode or requests' data= send" + send
    media = (content_type or "").split(";")[0].strip().lower()
    if media and "json" not in media and media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # curl -d sends its default form type whatever the body holds: only a type chosen for the body names it
        return (f": its Content-Type is {media}, and the server reads JSON only; send {SHAPE} as application/json"
                + (" (a CSV's rows read first, e.g. with pandas.read_csv, each sequence's steps as lists)"
                   if media == "text/csv" else ""))
    # data=open("x.csv") or df.to_csv() sent as JSON (or as curl -d's form type): a type that names it says it above
    if (table := _csv_text(body)) is not None:
        return (f": it is a CSV table's text ({table}), not the JSON of sequences the server reads; read it first "
                f"(pandas.read_csv), then send each sequence's steps as lists of numbers, {SHAPE} (requests.post(url, "
                f"json=payload))")
    return ""


def _csv_text(body: bytes) -> str | None:
    """What a body that is a CSV table's text holds (its first lines of two or more cells apart by ``,``, ``;`` or a
    tab, as many on each, those after a header all numbers, a ';' table's with a decimal comma or not), e.g. "lines
    of 3 values apart by ','"; None otherwise."""
    lines = [line for line in body[:4096].decode("utf-8", errors="replace").splitlines()[:6] if line.strip()]
    if len(lines) == 6:  # the sixth may be cut at 4096 bytes
        lines = lines[:5]
    for sep in (",", ";", "\t"):  # a ';' table may write a decimal comma (European Excel's)
        cells = [line.replace(",", ".").split(sep) if sep == ";" else line.split(sep) for line in lines]
        if not cells or len(cells[0]) < 2 or any(len(row) != len(cells[0]) for row in cells):
            continue
        header = not all(is_number_text(c) or not c.strip() for c in cells[0])
        rows = cells[1:] if header else cells
        if rows and all(is_number_text(c) or not c.strip() for row in rows for c in row):
            return (f"lines of {len(cells[0])} values apart by {sep!r}"
                    + (f" under a header, {lines[0][:40]!r}" if header else ""))
    return None


# The first bytes of files a body may be by mistake, each with what it is and, for a table's file, the reader that
# gives its numbers (the images' marks as rnnkit.data.video reads them, Parquet's and Arrow's as the CSV reader does)
_FILE_MARKS = (*((mark, f"a {name} image", None) for name, mark in _IMAGE_MAGIC.items()),
               (b"GIF87a", "a GIF image", None), (b"GIF89a", "a GIF image", None), (b"%PDF-", "a PDF document", None),
               *((mark, f"a {suffix} table's file", f"pandas.read_{suffix[1:]}") for mark, suffix in
                 _MAGIC_FORMATS.items()),
               (b"\x89HDF\r\n\x1a\n", "an HDF5 file", "h5py.File, or pandas.read_hdf"),
               (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (an Excel .xls?)", "pandas.read_excel"),
               (b"SQLite format 3\x00", "an SQLite database", "sqlite3, or pandas.read_sql"))


def _marked_file(body: bytes) -> tuple[str, str | None] | None:
    """What file ``body`` is by the mark its format opens with (`_FILE_MARKS`; RIFF's WAVE audio by its header), and
    the reader of a table's; None for none. A text is never taken for a file: a mark of printable letters alone
    (Parquet's ``PAR1``, ``%PDF-``, ``GIF89a``) counts only in a body that is no UTF-8 text (a CSV whose header opens
    ``PAR1,PAR2`` is text), one of fewer than 4 (a BMP's ``BM``) only in a body that is binary (a Latin-1 CSV opening
    ``BMW,München`` is no UTF-8, yet text); a mark holding other bytes (PNG's, JPEG's, a TIFF's) opens no text."""
    if body[:4] == b"RIFF" and body[8:12] == b"WAVE":
        return "a WAV audio file, not the JSON of sequences the server reads", "scipy.io.wavfile.read"
    for mark, what, reader in _FILE_MARKS:
        if body.startswith(mark) and (any(not 0x20 <= b < 0x7f for b in mark)
                                      or (not _utf8_text(body) if len(mark) >= 4 else _binary(body))):
            return f"{what}, not the JSON of sequences the server reads" + ("" if reader else
                                                                            " (the wrong file attached?)"), reader
    return None


def _utf8_text(body: bytes) -> bool:
    """Whether ``body`` reads as UTF-8 text (its last character may be cut short, as a body cut short's is)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _zip_kind(body: bytes) -> tuple[str, str | None]:
    """What a zip archive sent as a body is, by the names of its files: np.savez's arrays, an Excel workbook, a
    PyTorch file (torch.save writes a zip of a pickle), or a zip of other files (the first named); and its reader."""
    import io

    if (names := zip_names(io.BytesIO(body))) is None:  # cut short: its names are at its end
        return "a zip archive (np.savez writes one)", None
    if any(n.startswith("xl/") for n in names):
        return "an Excel workbook (.xlsx), not the JSON of sequences the server reads", "pandas.read_excel"
    if torch_saved(names):
        return ("a PyTorch file (torch.save writes a zip of a pickle), which a server must not read: unpickling runs "
                "code", None)
    if not names or all(n.endswith(".npy") for n in names):
        return "a zip archive (np.savez writes one)", None
    return f"a zip archive (of {', '.join(names[:3])}{', ...' if len(names) > 3 else ''})", None


def _binary(body: bytes) -> bool:
    """Whether ``body`` is binary data, not text in any encoding a JSON body is sent in: a third of its first 1024
    bytes are control bytes (other than tab and line ends) or beyond ASCII, and it is no text in UTF-8 or in the
    UTF-16 or UTF-32 json finds by its NULs (whose ASCII letters are half or three quarters NULs; a text in Latin-1,
    which is no UTF-8, is mostly ASCII), or a text of which a tenth or more of the first 1024 characters are control
    characters (an array's bytes: zeros are NULs). A text with a stray control character (a C string's closing NUL
    after the JSON) or cut inside its last character (a body cut short) is text, not binary data."""
    head = body[:1024]
    if sum(b >= 0x80 or (b < 0x20 and b not in b"\t\n\r") for b in head) <= len(head) / 3:
        return False
    try:  # an incremental decoder keeps a last character cut short for more bytes, rather than failing on it
        text = codecs.getincrementaldecoder(json.detect_encoding(body))().decode(body, final=False)
    except UnicodeDecodeError:
        return True
    text = text[:1024]
    return sum(c < " " and c not in "\t\n\r" or c == "\x7f" for c in text) >= max(len(text), 1) / 10


def _not_json_text(error: json.JSONDecodeError) -> str:
    """What a text that json stopped reading at ``error.pos`` most likely is, where the text before says: Python's
    printed dict (``str(payload)``: keys in single quotes), numpy's printed array (``str(x)`` in an f-string: numbers
    apart by spaces alone), or hand-edited JSON with a comma before a closing bracket (which JavaScript and Python
    allow); "" otherwise."""
    doc, pos = error.doc, error.pos
    before, at = doc[:pos].rstrip(), doc[pos:pos + 1]
    where = f" (line {error.lineno}, char {pos})"
    if at == "'" and before and before[-1] in "{,[:":
        return (f": a text in single quotes{where}, as Python prints a dict (str(payload), or a dict in an f-string); "
                f"JSON quotes with double quotes: send json.dumps(payload), or requests.post(url, json=payload)")
    if at and before and at in "-.[0123456789" and before[-1] in ".]0123456789" and before != doc[:pos]:
        return (f": numbers (or lists) apart by spaces, without commas{where}, as numpy prints an array (str(x), or an "
                f"array in an f-string); send the array as lists, {{\"sequences\": [x.tolist() for x in X]}} "
                f"(json.dumps of it, or requests.post(url, json=payload))")
    if word := re.match(r"(True|False|None|nan|inf|-inf)\b", doc[pos:]):
        json_word = {"True": "true", "False": "false", "None": "null", "nan": "NaN (or null)", "inf": "Infinity",
                     "-inf": "-Infinity"}[word[1]]
        return (f": Python's {word[1]}{where}, as Python prints a value (str(payload)); JSON writes {json_word}: send "
                f"json.dumps(payload), or requests.post(url, json=payload)")
    if at in ("]", "}") and before.endswith(","):
        return f": a comma before the {at!r}{where}, which JSON allows nowhere (JavaScript and Python do); remove it"
    return ""


def _named_step(step: dict, i: int, t: int, n_features: int, names: list[str] | None, reads_missing: bool,
                times: str | None = None) -> list:
    """A step given as a JSON object ``{feature name: value}`` as the list of its values in the model's order;
    RequestError unless the model has feature names and the object gives each of them once, and no other (a
    missing value of a ``time_aware`` model is ``null`` under its name, not an absent name: a misspelt name would
    otherwise read as missing)."""
    if names is None:
        raise RequestError(400, f"sequence {i}, step {t} is an object keyed by {sorted(step)[:3]}, but the model was "
                                f"fitted without feature names (GET /model lists none), so nothing says which value "
                                f"is which feature; give the step as a list of its {n_features} numbers in the order "
                                f"of the features at fit")
    if isinstance(step, _Repeated):
        raise RequestError(400, f"sequence {i}, step {t} gives the feature {step.repeated!r} twice; give it once")
    missing = [n for n in names if n not in step]
    unexpected = [k for k in step if k not in set(names)]
    dated = [k for k in unexpected if date_text(step[k])]
    if dated and not missing:  # {"time": "2024-03-01T10:00Z", ...}: a record's time column beside its features
        raise RequestError(422, f"sequence {i}, step {t} names {dated[0]!r}, no feature of the model's {names} (GET "
                                f"/model), holding a date, {json.dumps(step[dated[0]])}{_time_goes(times)}")
    if missing or unexpected:
        # a missing feature is null under its name for a model that reads missing values, else a number
        give = "give a missing value as null under its name" if reads_missing else \
            (f"give each step a number under {missing} too (this model reads no missing value; one fitted with "
             f"time_aware=True reads null as one)")
        said = named_difference(missing, unexpected)  # ends in its own hint, "(… for …?)", where a name is close
        if not unexpected:
            fix = give
        elif not missing:
            fix = f"leave out {unexpected}"
        else:  # both: the hint, where there is one, says which name is which
            fix = f"rename or leave out {unexpected}, and {give}" if said.endswith("]") else ""
        raise RequestError(422, f"sequence {i}, step {t} names features that differ from the model's {names} "
                                f"(GET /model): {said}" + (f"; {fix}" if fix else ""))
    return [step[n] for n in names]


class _Repeated(dict):
    """A JSON object that gives a key twice (``repeated``): refused where it is read, which can name the place."""

    repeated: str


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object as a dict, marked as a :class:`_Repeated` when it gives a key twice (json.loads would keep the
    last one silently)."""
    seen = {}
    for key, value in pairs:
        if key in seen and not isinstance(seen, _Repeated):
            seen = _Repeated(seen)
            seen.repeated = key
        seen[key] = value
    return seen


# -- predictions ----------------------------------------------------------------------------------------------
def steps_by_features(estimator, batch_size: int | None = None):
    """The estimator reading every sequence as ``(T_i, F)``, as the request format fixes it: a shallow copy
    (sharing the model) with ``layout="ntf"``, so that no guess about the orientation is made (a batch of
    one-step sequences is not mistaken for one channel read over F steps) and without feature names (a
    request's steps list the features in the model's order, so there is no name to check); with ``batch_size``, its
    prediction batches at least that large, so that a gathered batch runs as one forward pass."""
    fixed = copy.copy(estimator)
    if hasattr(fixed, "layout"):
        fixed.layout = "ntf"
    if hasattr(fixed, "feature_names_in_"):  # a request's features come in the order GET /model lists them
        del fixed.feature_names_in_
    if batch_size is not None:
        fitted = fixed.batch_size
        if not isinstance(fitted, int | np.integer):  # "auto": the size chosen at fit
            fitted = fixed.choices_["batch_size"]
        fixed.batch_size = max(int(fitted), batch_size)
    return fixed


def predict_sequences(estimator, sequences: list[np.ndarray]) -> list[dict]:
    """One result per sequence, ``{"prediction": ..., "probabilities": ...}`` (JSON-ready), computed by the
    estimator's own prediction path on the whole batch: what ``predict`` / ``predict_proba`` return
    (sequences ``(T_i, F)``; pass the estimator through :func:`steps_by_features`)."""
    from ..estimators import SequenceClassifier, SequenceTagger

    times = None
    if sequences and isinstance(sequences[0], tuple):  # (array, times) of a model fitted with sample times
        sequences, times = [s for s, _ in sequences], [t for _, t in sequences]
    if isinstance(estimator, SequenceClassifier | SequenceTagger):
        # one pass for labels and probabilities; a NaN answer is refused per request (not_finite_reason)
        outputs, _, _ = estimator._outputs(sequences, "serve", times, finite=False)
        classes = estimator.classes_
        if isinstance(estimator, SequenceClassifier):
            labels = classes[outputs.argmax(-1).numpy()].tolist()
            probabilities = outputs.softmax(-1).numpy().tolist()
            return [{"prediction": p, "probabilities": q} for p, q in zip(labels, probabilities, strict=True)]
        return [{"prediction": classes[o.argmax(-1).numpy()].tolist(), "probabilities": o.softmax(-1).tolist()}
                for o in outputs]
    values = np.asarray(estimator._values(estimator._outputs(sequences, "serve", times, finite=False)[0]))
    return [{"prediction": v.tolist()} for v in values]


def check_answers(estimator, info: dict) -> None:
    """ValueError where the estimator (through :func:`steps_by_features`) cannot answer a request of one step of
    zeros (``info``: :func:`model_info`'s, for its features and times): its prediction path refuses the model as it
    stands (a network converted by ``model_.double()``, which ``predict`` refuses), so every request would answer
    500; said before anything is served."""
    sequence = np.zeros((1, info["n_features"]))
    trial = [sequence]
    if info["times"] is not None:  # a model fitted with sample times reads one time per step
        time = "2024-01-01T00:00:00Z" if info["times"] == "dates" else 0.0
        trial = list(zip(trial, _request_times([[time]], trial, info["times"]), strict=True))
    try:
        with warnings.catch_warnings():  # what the zeros would be warned of is no matter here
            warnings.simplefilter("ignore")
            predict_sequences(estimator, trial)
    except Exception as e:  # noqa: BLE001 - whatever predict raises, every request would raise it too
        kinds = sorted({str(p.dtype).removeprefix("torch.") for p in estimator.model_.parameters()} - {"float32"})
        fix = (f"its network's parameters are {', '.join(kinds)}, and a request's steps are float32: convert them "
               f"back with estimator.model_.float()" if kinds else "make the app of an estimator whose predict "
               "answers")
        raise ValueError(f"serve: the estimator cannot predict one step of zeros ({' '.join(str(e).split())}), so "
                         f"every request would answer 500; {fix}") from e


def _finite(result: dict) -> bool:
    """Whether a result's numbers are finite (JSON has no NaN: such an answer would be a 500)."""
    values = result.get("probabilities", result["prediction"])
    return bool(np.isfinite(np.asarray(values, dtype=np.float64)).all())


def not_finite_reason(estimator, sequences: list, k: int) -> str:
    """Why sequence ``k``'s answer is NaN: its value farthest from the fitted scaling
    (:func:`rnnkit.checks.farthest_from_scaling`), beyond float32's range once standardised (``(x - mean) /
    scale``: the network would read infinity, and ``_outputs`` gives no answer) or not."""
    a = sequences[k][0] if isinstance(sequences[k], tuple) else sequences[k]
    mean, scale = np.asarray(estimator.x_mean_, np.float64), np.asarray(estimator.x_scale_, np.float64)
    what = ("a value is beyond float32's range once standardised (the network would read infinity)"
            if (np.abs(a - mean) > FLOAT32_MAX * scale).any() else "the model's output is NaN")  # NaN: False
    return f"sequence {k}: {what}: " + farthest_from_scaling(a, mean, scale, getattr(estimator, "feature_names_in_",
                                                                                    None))


class _Lane:
    """One event loop's queue and worker: an asyncio queue, and the futures a request awaits, belong to the loop
    they were made in, so each loop that runs requests gathers its own batches."""

    __slots__ = ("queue", "worker", "held")

    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.worker: asyncio.Task | None = None
        self.held = None  # a request that did not fit the last batch: first in the next one


class Batcher:
    """Gathers concurrent requests into batches for ``predict(list_of_sequences) -> list_of_results``.

    ``max_batch`` sequences at most per batch (a larger request runs alone), ``max_wait_ms`` the longest a
    request waits for others. ``batching=False``: one request per batch, no waiting.

    Under uvicorn every request runs in one event loop, and so does the one worker. A client that runs the app in
    several loops at once (``TestClient(app)`` used outside a ``with`` block from several threads: each request in a
    loop of its own) gets a queue and a worker per loop, each loop's requests batched together; a worker bound to
    another loop's queue would fail, and leave its requests unanswered."""

    def __init__(self, predict, *, batching: bool = True, max_batch: int = 64, max_wait_ms: float = 2.0):
        self.predict, self.batching = predict, batching
        self.max_batch, self.max_wait = max_batch, max_wait_ms / 1000
        self._lanes: dict[asyncio.AbstractEventLoop, _Lane] = {}
        self._lock = threading.Lock()  # the loops' threads add and drop lanes
        self.batches = 0  # how many batches ran (the tests and the benchmark read it)

    async def start(self) -> None:
        """Start the worker of the running loop (again, if it ended), keeping what its queue holds."""
        loop = asyncio.get_running_loop()
        with self._lock:
            for closed in [k for k in self._lanes if k.is_closed()]:  # a TestClient's loop per request
                del self._lanes[closed]
            lane = self._lanes.setdefault(loop, _Lane())
        if lane.worker is None or lane.worker.done():
            lane.worker = asyncio.create_task(self._work(lane))

    async def stop(self) -> None:
        with self._lock:
            lane = self._lanes.pop(asyncio.get_running_loop(), None)
        if lane is not None and lane.worker is not None:
            lane.worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lane.worker

    async def submit(self, sequences: list[np.ndarray]) -> list[dict]:
        # the app's lifespan starts the worker, but an app mounted in another (app.mount) or driven by
        # TestClient(app) outside a `with` block runs none: start it in the loop this request runs in
        lane = self._lanes.get(asyncio.get_running_loop())
        if lane is None or lane.worker is None or lane.worker.done():
            await self.start()
            lane = self._lanes[asyncio.get_running_loop()]
        future = asyncio.get_running_loop().create_future()
        await lane.queue.put((sequences, future))
        return await future

    async def _work(self, lane: _Lane) -> None:
        loop = asyncio.get_running_loop()
        queue = lane.queue
        while True:
            batch = [lane.held or await queue.get()]
            lane.held = None
            size = len(batch[0][0])
            deadline = loop.time() + self.max_wait
            while self.batching and size < self.max_batch:
                # take what is already waiting, then wait for more until the deadline
                try:
                    item = queue.get_nowait() if not queue.empty() else await asyncio.wait_for(
                        queue.get(), max(deadline - loop.time(), 0))
                except TimeoutError:
                    break
                if size + len(item[0]) > self.max_batch:
                    lane.held = item
                    break
                batch.append(item)
                size += len(item[0])
            sequences = [s for seqs, _ in batch for s in seqs]
            try:
                results = await asyncio.to_thread(self.predict, sequences)
            except Exception as e:  # noqa: BLE001 - handed to every waiting request, which answers 500
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)
                continue
            self.batches += 1
            start = 0
            for seqs, future in batch:
                if not future.done():
                    future.set_result(results[start : start + len(seqs)])
                start += len(seqs)


# -- the app --------------------------------------------------------------------------------------------------
def model_info(estimator) -> dict:
    from .. import __version__

    names = getattr(estimator, "feature_names_in_", None)
    classes = getattr(estimator, "classes_", None)
    targets = getattr(estimator, "target_names_", None)  # a regressor's y columns; None unnamed or saved before
    return {
        "estimator": type(estimator).__name__,
        "n_features": int(estimator.n_features_in_),
        "features": None if names is None else [str(n) for n in names],
        "classes": None if classes is None else np.asarray(classes).tolist(),
        "targets": None if targets is None else [str(n) for n in targets],
        # whether a step's feature may be null (or NaN): a missing value, as predict reads NaN (time_aware=True)
        "missing_values": bool(getattr(estimator, "time_aware", False)),
        "times": _times_read(estimator),
        # the fitted unit of the gaps between times (time_unit_): seconds for dates, else the numbers' own unit; a
        # client sending times in another unit (milliseconds to a model of seconds) reads decays 1000 times too long
        "time_unit": None if (unit := getattr(estimator, "time_unit_", None)) is None else float(unit),
        "n_outputs": int(estimator.n_outputs_),
        "rnnkit_version": __version__,
    }


def _times_read(estimator) -> str | None:
    """What a request's ``"times"`` hold for a model fitted with sample times: "numbers" or "dates"; None."""
    if getattr(estimator, "time_unit_", None) is None:
        return None
    return "dates" if estimator.time_kind_ == "seconds" else "numbers"


def _check_options(batching, max_batch, max_wait_ms, limits, threads) -> None:
    """ValueError naming the first of create_app's options that it cannot honour, before anything is served: a
    ``max_wait_ms`` of infinity would leave a lone request waiting forever for others, ``"no"`` turn batching on."""
    check_flags("serve: ", batching=batching)
    if not is_integer(max_batch):
        raise ValueError(f"serve: max_batch must be an integer (the most sequences run as one batch; default 64), got "
                         f"{max_batch!r}{int_meant_fix('max_batch', max_batch, 1)}")
    if threads is not None and not is_integer(threads):
        raise ValueError(f"serve: threads must be an integer (torch's intra-op threads) or None, got {threads!r}"
                         f"{int_meant_fix('threads', threads, 1)}")
    if not is_finite_number(max_wait_ms):
        forever = "; a request alone would wait forever for others" if max_wait_ms == math.inf else ""
        raise ValueError(f"serve: max_wait_ms must be a finite number (the longest a request waits for others to join "
                         f"its batch, in milliseconds; default 2.0), got {max_wait_ms!r}{forever}")
    if max_batch < 1 or max_wait_ms < 0 or (threads is not None and threads < 1):
        raise ValueError(f"serve: max_batch and threads must be >= 1 and max_wait_ms >= 0, got max_batch="
                         f"{max_batch}, threads={threads}, max_wait_ms={max_wait_ms}")
    if not isinstance(limits, Limits):
        fix = "Limits(**limits)" if isinstance(limits, dict) else "Limits(max_body_bytes=..., max_sequences=..., " \
            "max_steps=...)"
        raise ValueError(f"serve: limits must be rnnkit.deploy.server.Limits, got {type(limits).__name__}; pass {fix}")
    for name in ("max_body_bytes", "max_sequences", "max_steps"):
        if not is_count(getattr(limits, name)):  # 0 would answer every request 413
            raise ValueError(f"serve: limits.{name} must be an integer >= 1, got {getattr(limits, name)!r}")


def smallest_request(n_features: int, *, names: list[str] | None = None, missing: bool = False,
                     times: str | None = None, time_unit: float | None = None) -> bytes:
    """The smallest body a ``/predict`` of this model accepts, written without spaces: one sequence of one step of
    zeros, a bare number for a model of one feature (``{"sequences":[[0]]}``, as :func:`parse_request` reads it),
    a list of numbers for several (a step by name is longer), with ``"times"`` of one time where the model was
    fitted with sample times (a number, or the shortest ISO date it reads). Each candidate is read by
    :func:`parse_request` itself, so the bound is the server's own, not a second reading of it."""
    step = "0" if n_features == 1 else "[" + ",".join(["0"] * n_features) + "]"
    body = f'{{"sequences":[[{step}]]}}'
    stamps = [None] if not times else ["0"] if times == "numbers" else ['"2000-01"', '"2000-01-01"']
    for stamp in stamps:
        candidate = (body if stamp is None else f'{body[:-1]},"times":[[{stamp}]]}}').encode()
        try:
            parse_request(candidate, n_features, Limits(max_body_bytes=len(candidate)), missing=missing, names=names,
                          times=times, time_unit=time_unit)
        except RequestError:
            continue
        return candidate
    return candidate  # none read (a reader changed): the longest candidate, still a bound from below


def _check_body_limit(limit: int, info: dict) -> None:
    """ValueError where ``limit`` (Limits.max_body_bytes) is below the smallest request the model can be sent
    (:func:`smallest_request`, from ``info``, :func:`model_info`'s): every request would be answered 413 (a bare
    number of bytes given where megabytes were meant, ``--max-body-bytes 10``). A limit that request fits is the
    user's choice, however small."""
    smallest = smallest_request(info["n_features"], names=info["features"], missing=info["missing_values"],
                                times=info["times"], time_unit=info["time_unit"]).decode()
    if limit < len(smallest):
        raise ValueError(f"serve: limits.max_body_bytes is {limit} bytes, below the smallest request this model of "
                         f"{info['n_features']} feature(s) can be sent, {len(smallest)} bytes ({smallest}), so every "
                         f"request would be refused (413); give a limit in bytes that a request of yours fits, e.g. "
                         f"8MiB, the default, or 10MB (rnnkit serve --max-body-bytes 10MB; a number without a unit is "
                         f"bytes)")


def check_origins(origins) -> list[str]:
    """``cors_origins`` as a list, or ValueError: each a web page's origin as a browser sends it, ``scheme://host``
    with its port where not the scheme's own and nothing after (``http://localhost:3000``), or ``"*"`` for any; one
    with a path or a trailing slash would match no browser's ``Origin`` header, and the calls would still be
    refused."""
    if isinstance(origins, str):  # one origin, whose characters would each be read as one
        origins = [origins]
    if not isinstance(origins, list | tuple) or not all(isinstance(o, str) for o in origins):
        raise ValueError(f"serve: cors_origins must be a list of origins (e.g. ['http://localhost:3000']), got "
                         f"{origins!r}")
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s?#]+", origin):
            fix = re.match(r"https?://[^/\s?#]+", origin if "://" in origin else f"http://{origin}")
            raise ValueError(f"serve: the CORS origin {origin!r} is no origin: a browser sends a page's origin as "
                             f"scheme://host[:port] and nothing after, so it would match no request; give "
                             + (f"{fix.group()!r}" if fix else "e.g. 'http://localhost:3000'"))
    return list(origins)


def create_app(estimator, *, batching: bool = True, max_batch: int = 64, max_wait_ms: float = 2.0,
               limits: Limits = Limits(), threads: int | None = None, cors_origins=None):
    """A FastAPI app serving a fitted SequenceClassifier, SequenceRegressor or SequenceTagger (the module
    doc lists the routes). ``threads``: torch's intra-op threads for the model (None: leave as is).
    ``cors_origins``: the origins of web pages whose scripts may call it from a browser (CORS, e.g.
    ``["http://localhost:3000"]``, ``["*"]`` any); None: none but the server's own, and a browser's preflight
    for another is answered with a 405 naming this option."""
    from ..estimators import SequenceClassifier, SequenceRegressor, SequenceTagger

    if isinstance(estimator, str | os.PathLike):  # a saved model's directory: create_app serves a loaded estimator
        path = Path(os.path.expanduser(estimator))
        export = path if is_export_directory(path) else export_of_entry(path)
        if export is not None:  # rnnkit.load refuses an export in turn: the fix is the model it was exported from
            which = "" if export == path else f" a file of {os.fspath(export)!r},"
            raise ValueError(f"serve: got the path {os.fspath(estimator)!r},{which} an ONNX export directory, which "
                             f"serve does not run (it serves a fitted estimator in torch); serve the model directory "
                             f"that was exported: create_app(rnnkit.load(MODEL_DIR)), or rnnkit serve MODEL_DIR; or "
                             f"run the export's sequence.onnx with onnxruntime (rnnkit.Streamer({os.fspath(export)!r}) "
                             f"streams its step.onnx)")
        raise ValueError(f"serve: got the path {os.fspath(estimator)!r}, not a fitted estimator; load it first: "
                         f"create_app(rnnkit.load(path)), or serve(path), which loads it (rnnkit serve MODEL_DIR)")
    if (wrapped := wrapper_hint(estimator)) is not None:
        raise ValueError(f"serve: {wrapped}")
    if not isinstance(estimator, SequenceClassifier | SequenceRegressor | SequenceTagger):
        name = type(estimator).__name__
        hint = ("; a forecaster is not served: forecast with its predict (or rnnkit forecast), or export it "
                "(rnnkit export MODEL_DIR --out DIR) and run its sequence.onnx" if name == "Forecaster" else
                "; a forecaster is not served (nor exported): forecast with its predict" if "Forecaster" in name
                else "")
        raise ValueError(f"serve: expected a fitted SequenceClassifier, SequenceRegressor or SequenceTagger, got "
                         f"{name}{hint}")
    if not hasattr(estimator, "model_"):
        raise ValueError("serve: the estimator is not fitted")
    _check_options(batching, max_batch, max_wait_ms, limits, threads)
    origins = None if cors_origins is None else check_origins(cors_origins)
    estimator._predict_windows("serve")  # predict refuses another value: every request would answer 500
    check_labels_json(estimator, "serve")  # labels JSON cannot write: every request would answer 500
    if threads is not None:
        torch.set_num_threads(threads)
    # GET /model says what a request may hold too: a client splitting its sequences into requests reads the limits
    # there, not from a 413 after sending
    info = model_info(estimator) | {"limits": asdict(limits)}
    _check_body_limit(limits.max_body_bytes, info)
    served = steps_by_features(estimator, max_batch)
    check_answers(served, info)
    fitted = estimator.model_  # the network served shares: a fit of the estimator replaces its model_, not this

    def refitted() -> JSONResponse | None:
        """503 once the estimator was fitted again: every route would describe or run the old model."""
        try:
            check_not_refitted(estimator, fitted, "serve", "the server", "make a new app: "
                               "rnnkit.deploy.server.create_app(estimator)")
        except ValueError as e:
            return JSONResponse({"detail": str(e)}, status_code=503)
        return None
    batcher = Batcher(lambda seqs: predict_sequences(served, seqs), batching=batching, max_batch=max_batch,
                      max_wait_ms=max_wait_ms)
    with_probabilities = info["classes"] is not None
    missing = bool(getattr(estimator, "time_aware", False))  # NaN (or null) in a request: a missing value
    time_unit = getattr(estimator, "time_unit_", None)  # the gaps' unit of a model fitted with sample times

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="rnnkit model server", version=info["rnnkit_version"], lifespan=lifespan,
                  exception_handlers={404: no_route, 405: no_route})
    app.state.batcher = batcher
    if origins:
        app.add_middleware(_CORS, allow_origins=origins, allow_methods=["GET", "HEAD", "POST"],
                           allow_headers=["Content-Type"])

    @app.get("/health")
    async def health():
        stale = refitted()
        return {"status": "ok"} if stale is None else stale

    @app.get("/model")
    async def model():
        stale = refitted()
        return info if stale is None else stale

    # HEAD beside GET, as HTTP asks of every GET route (RFC 9110, 9.3.2): uptime monitors check a server by HEAD, and
    # a 405 would report it down (uvicorn sends the headers alone); out of the OpenAPI page, where GET stands for both
    for path, route in (("/health", health), ("/model", model)):
        app.add_api_route(path, route, methods=["HEAD"], include_in_schema=False)

    @app.get("/predict")
    async def predict_by_get():  # a browser or `curl URL` without -d: name the method and body that answer
        return JSONResponse({"detail": f"GET /predict: predictions are asked for by POST /predict with a JSON body "
                                       f"{SHAPE} (GET /model describes the model)"}, status_code=405,
                            headers={"Allow": "POST"})

    @app.post("/predict")
    async def predict(request: Request):
        if (stale := refitted()) is not None:
            return stale
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
            return JSONResponse({"detail": body_limit_reason(f"{declared} bytes", limits.max_body_bytes)},
                                status_code=413)
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):  # the server reads the body as it comes: a compressed one would be bytes
            return JSONResponse({"detail": f"request body is {encoding}-encoded (Content-Encoding: {encoding}); the "
                                           "server reads uncompressed JSON: send it uncompressed"}, status_code=415)
        if request.query_params:  # ?threshold=0.9, ?proba=false: options the server has not, which it would ignore
            return JSONResponse({"detail": query_refusal(request)}, status_code=400)
        warned = []  # what predict would warn of, said in the answer
        try:
            body = await read_body(request, limits.max_body_bytes)
            sequences = parse_request(body, info["n_features"], limits, missing=missing,
                                      names=info["features"], times=info["times"], time_unit=time_unit, notes=warned,
                                      content_type=request.headers.get("content-type"))
        except RequestError as e:
            return JSONResponse({"detail": str(e)}, status_code=e.status)
        results = await batcher.submit(sequences)
        if (stale := refitted()) is not None:  # fitted again while the request waited in the queue or ran
            return stale
        if (k := next((k for k, r in enumerate(results) if not _finite(r)), None)) is not None:
            return JSONResponse({"detail": not_finite_reason(estimator, sequences, k)}, status_code=422)
        answer = {"predictions": [r["prediction"] for r in results]}
        if with_probabilities:
            answer["probabilities"] = [r["probabilities"] for r in results]
        arrays = [s[0] for s in sequences] if time_unit is not None else sequences
        if missing and (warning := unobserved_warning(arrays)) is not None:
            warned.append(warning)
        if (warning := padding_warning(arrays, missing)) is not None:
            warned.append(warning)
        if time_unit is not None and (warning := time_scale_warning(sequences, time_unit)) is not None:
            warned.append(warning)  # as predict warns, for this request's times
        if warned:
            answer["warnings"] = warned
        return JSONResponse(answer)  # already plain JSON types: FastAPI's recursive encoder is skipped

    return app


ROUTES = f"POST /predict (a JSON body {SHAPE}), GET /model (what the model reads) and GET /health"


class _CORS(CORSMiddleware):
    """Starlette's CORS, but a preflight it refuses gets a one-line JSON ``detail``, as every other answer of the
    server, naming what was refused and how to allow it, not the plain text "Disallowed CORS origin"."""

    def preflight_response(self, request_headers):
        answer = super().preflight_response(request_headers)
        if answer.status_code != 400:
            return answer
        failures = answer.body.decode().removeprefix("Disallowed CORS ").split(", ")  # Starlette's own words
        origin, method = request_headers["origin"], request_headers["access-control-request-method"]
        said = {"origin": f"origin {origin!r} is not allowed (this server allows {self.allow_origins}); start the "
                          f"server with --cors-origin {origin} (or create_app(estimator, cors_origins=[...]) with "
                          f"{origin!r} added), or serve the page from this server's origin",
                "method": f"method {method} is not allowed (it allows {', '.join(self.allow_methods)})",
                "headers": f"headers {request_headers.get('access-control-request-headers')!r} are not all allowed "
                           f"(it allows {', '.join(self.allow_headers)})",
                "private-network": "private-network request is not allowed"}
        refused = [said.get(failure, failure) for failure in failures]
        kept = {k: v for k, v in answer.headers.items() if k not in ("content-length", "content-type")}
        return JSONResponse({"detail": f"a browser's CORS preflight for a {method} from a page of {origin} is "
                                       f"refused: its {'; its '.join(refused)}"}, status_code=400, headers=kept)


async def no_route(request: Request, error) -> JSONResponse:
    """The answer to a path the server has no route for (404: ``POST /invocations``, as MLflow and SageMaker serve;
    ``/v1/models/m:predict``, TensorFlow Serving's) or a method a route does not take (405: ``PUT /predict``):
    Starlette's "Not Found" names neither what was asked nor what is served."""
    from starlette.routing import Match

    asked = f"{request.method} {request.url.path}"
    wanted = request.headers.get("access-control-request-method")
    if request.method == "OPTIONS" and wanted is not None:  # a browser's CORS preflight: its page's script is refused
        origin = request.headers.get("origin", "another origin")
        return JSONResponse({"detail": f"{asked} is a browser's CORS preflight for a {wanted} from a page of {origin}, "
                                       f"which this server was not told to answer, so the browser refuses the page's "
                                       f"call; allow the origin (rnnkit serve --cors-origin {origin}, or "
                                       f"create_app(estimator, cors_origins=[{origin!r}])), or serve the page from "
                                       f"this server's origin"}, status_code=405)
    if error.status_code == 404:
        return JSONResponse({"detail": f"{asked} is no route; this server answers {ROUTES}"}, status_code=404)
    # Starlette's Allow names the methods of the last route of the path only (GET of /predict's two, not POST)
    allowed = sorted({m for route in request.app.routes if route.matches(request.scope)[0] is not Match.NONE
                      for m in getattr(route, "methods", None) or ()})
    return JSONResponse({"detail": f"{asked} is a method the route does not take (it takes {', '.join(allowed)}); "
                                   f"this server answers {ROUTES}"}, status_code=405,
                        headers={"Allow": ", ".join(allowed)})


def query_refusal(request: Request) -> str:
    """The refusal of a ``POST /predict`` whose URL carries query parameters (``?threshold=0.9``, ``?proba=false``,
    ``?model=v2``): the server reads none, and answering would ignore them without a word."""
    keys = list(request.query_params.keys())  # each name once, as Starlette keeps them
    return (f"POST /predict reads no query parameters, got {keys} (?{request.url.query}), which would be ignored; "
            f"the answer holds every prediction and, for a classifier, the probabilities, from which a client chooses "
            f"(a threshold of its own on \"probabilities\"); send the URL without them")


def check_address(host: str, port: int) -> None:
    """ValueError unless a server can listen on ``host:port``: a port outside [0, 65535] (which uvicorn
    would take modulo 65536, or fail on with its own message), an unknown host, a port in use or not allowed."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"serve: port must be an integer in [0, 65535], got {port!r}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as e:  # socket.gaierror too
        raise ValueError(f"serve: cannot listen on {host}:{port} ({e.strerror or e}); choose another --host or "
                         f"--port") from None


def serve(model_dir, *, host: str = "127.0.0.1", port: int = 8000, batching: bool = True, max_batch: int = 64,
          max_wait_ms: float = 2.0, limits: Limits = Limits(), threads: int | None = None, cors_origins=None,
          on_ready=None) -> None:
    """Load a saved model directory and serve it with uvicorn until interrupted (loopback by default).
    ``limits``: what one request may hold (:class:`Limits`, as for :func:`create_app`); ``cors_origins``: the web
    pages' origins whose scripts may call it (as for :func:`create_app`). ``on_ready()`` is called
    once the model has loaded, before the server starts (a model that cannot be loaded raises first, so nothing
    claims to be serving it)."""
    import uvicorn

    from ..estimators import load

    check_address(host, port)
    if cors_origins is not None:  # before the model loads
        check_origins(cors_origins)
    app = create_app(load(model_dir), batching=batching, max_batch=max_batch, max_wait_ms=max_wait_ms,
                     limits=limits, threads=threads, cors_origins=cors_origins)
    if on_ready is not None:
        on_ready()
    uvicorn.run(app, host=host, port=port, log_level="warning")
