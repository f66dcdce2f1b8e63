"""Event logs: sessions and Δt by hand, the synthetic state-machine log and its anomalies, the dataset."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.data.collate import IGNORE_INDEX, pad_collate
from rnnkit.data.events import (
    SHOP_MACHINE,
    EventSessions,
    event_vocab,
    is_allowed,
    sessionize,
    synthetic_event_log,
)


def _log():
    t0 = pd.Timestamp("2024-05-01 10:00")
    rows = [  # deliberately unsorted
        ("b", t0 + pd.Timedelta(minutes=1), "view"),
        ("a", t0, "login"),
        ("a", t0 + pd.Timedelta(seconds=30), "view"),
        ("a", t0 + pd.Timedelta(hours=2), "login"),  # 2 h gap: new session
        ("b", t0, "login"),
        ("a", t0 + pd.Timedelta(seconds=90), "logout"),
    ]
    return pd.DataFrame(rows, columns=["user", "timestamp", "event"])


def test_sessionize_by_hand():
    s = sessionize(_log())
    assert s["user"].tolist() == ["a", "a", "a", "a", "b", "b"]
    assert s["event"].tolist() == ["login", "view", "logout", "login", "login", "view"]
    assert s["session"].tolist() == [0, 0, 0, 1, 2, 2]
    assert s["dt"].tolist() == [0.0, 30.0, 60.0, 0.0, 0.0, 60.0]
    one = sessionize(_log(), gap=pd.Timedelta(hours=3))
    assert one["session"].tolist() == [0, 0, 0, 0, 1, 1] and one["dt"].iloc[3] == 7110.0
    frame = pd.DataFrame({"user": [1, 1, 1], "timestamp": [0.0, 5.0, 5000.0], "event": list("xyz")})
    numeric = sessionize(frame, gap=100)
    assert numeric["session"].tolist() == [0, 0, 1] and numeric["dt"].tolist() == [0.0, 5.0, 0.0]


def test_sessionize_errors():
    with pytest.raises(ValueError, match=r"lacks columns \['user'\]"):
        sessionize(pd.DataFrame({"uid": [1], "timestamp": [0.0]}))
    with pytest.raises(ValueError, match="missing timestamps"):
        sessionize(pd.DataFrame({"user": [1, 1], "timestamp": [pd.Timestamp("2024-01-01"), pd.NaT]}))
    with pytest.raises(ValueError, match="empty"):
        sessionize(pd.DataFrame({"user": [], "timestamp": []}))


def test_event_sessions_next_event_targets_and_log_dt():
    s = sessionize(_log())
    vocab = event_vocab(s)
    ds = EventSessions(s, vocab)  # target="next": the 1-event session 1 is dropped
    assert len(ds) == 2 and ds.session_ids.tolist() == [0, 2] and ds.lengths.tolist() == [2, 1]
    x, y = ds[0]
    ids = [vocab.stoi[e] for e in ("login", "view", "logout")]
    assert x["event"].tolist() == ids[:2] and y.tolist() == ids[1:]
    assert x["dt"].tolist() == pytest.approx([0.0, np.log1p(30.0)])
    raw = EventSessions(s, vocab, log_dt=False, target=None)
    assert raw[0]["dt"].tolist() == [0.0, 30.0, 60.0] and len(raw) == 3
    batch = pad_collate([ds[0], ds[1]])
    assert batch.x["event"].shape == (2, 2) and batch.y[1].tolist() == [vocab.stoi["view"], IGNORE_INDEX]
    with pytest.raises(ValueError, match="run sessionize"):
        EventSessions(_log(), vocab)


def test_synthetic_log_is_seeded_and_sessionize_recovers_sessions():
    df = synthetic_event_log(30, sessions_per_user=4, anomaly_rate=0.3, seed=1)
    assert df.equals(synthetic_event_log(30, sessions_per_user=4, anomaly_rate=0.3, seed=1))
    s = sessionize(df)
    assert s["session"].nunique() == 120
    # one-to-one: every found session is exactly one generated session
    pairs = s.groupby("session")["true_session"].nunique()
    assert (pairs == 1).all() and s.groupby("true_session")["session"].nunique().eq(1).all()


def test_synthetic_log_follows_the_machine_except_injected_anomalies():
    s = sessionize(synthetic_event_log(60, sessions_per_user=5, anomaly_rate=0.3, seed=2))
    anomalous = s.groupby("session")["anomaly"].transform("any")
    n_sessions = s["session"].nunique()
    rate = s.loc[anomalous, "session"].nunique() / n_sessions
    assert 0.2 < rate < 0.4
    assert s.groupby("session")["anomaly"].sum().max() == 1  # one injected event per anomalous session
    for _, g in s[~anomalous].groupby("session"):
        ev = g["event"].tolist()
        assert ev[0] == "login" and all(is_allowed(a, b) for a, b in zip(ev[:-1], ev[1:], strict=True))
    prev = s.groupby("session")["event"].shift(1)
    jumps = s[s["kind"] == "jump"]
    assert len(jumps) > 0
    assert not any(is_allowed(p, e) for p, e in zip(prev[jumps.index], jumps["event"], strict=True))
    assert (s.loc[s["kind"] == "unknown", "event"] == "admin_export").all()
    bursts = s[s["kind"] == "burst"]
    assert len(bursts) > 0 and (bursts["dt"] < 0.1).all()
    normal_dt = s.loc[~s["anomaly"] & (s["dt"] > 0), "dt"]
    assert normal_dt.min() >= 1.0 and normal_dt.max() <= 600.0
    assert "admin_export" not in SHOP_MACHINE


def test_strict_vocab_flags_unseen_events_and_session_labels():
    s = sessionize(synthetic_event_log(40, sessions_per_user=3, anomaly_rate=0.5, seed=3))
    train = s[~s.groupby("session")["anomaly"].transform("any")]
    vocab = event_vocab(train)
    assert "admin_export" not in vocab
    with pytest.raises(ValueError, match="'admin_export' at position"):
        EventSessions(s, vocab, strict=True)
    labelled = EventSessions(s, vocab, target="anomaly")
    truth = s.groupby("session")["anomaly"].any()
    assert [bool(y) for _, y in labelled] == truth.loc[labelled.session_ids].tolist()
    assert labelled[0][1].dtype == torch.int64
