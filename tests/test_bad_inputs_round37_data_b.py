"""Thirty-seventh round (second pass), the loaders (data): a session's last events kept by ``EventSessions(max_len=,
keep="last")``; GenBank lines of one block in a FASTA record. Each test is named by its row of docs/bad_inputs.md
(D37-NN)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from rnnkit.data.bio import read_fasta
from rnnkit.data.events import EventSessions, event_vocab, sessionize


def _log():
    events = ["login", "view", "view", "search", "view", "pay", "logout"]
    rows = [(0, 10 * k, e, int(k == 5)) for k, e in enumerate(events)]  # an anomaly late in the session
    rows += [(1, 10 * k, e, int(k == 1)) for k, e in enumerate(events)]  # and one early
    return sessionize(pd.DataFrame(rows, columns=["user", "timestamp", "event", "anomaly"]))


# D37-12: EventSessions(max_len=n) of long sessions whose late events matter (a payment, an anomaly at the end)
def test_D37_12_keep_last_keeps_a_sessions_last_events():
    log = _log()
    vocab = event_vocab(log)
    with pytest.warns(UserWarning, match=r"session 1: anomaly=1 only outside its last 4 events.*keep='first' if the "
                                         r"labelled events come early.*cumcount\(ascending=False\) < 4\)"):
        ds = EventSessions(log, vocab, target="anomaly", max_len=4, keep="last")
    x, y = ds[0]
    assert vocab.decode(x["event"].tolist()) == ["search", "view", "pay", "logout"] and int(y) == 1
    assert ds.lengths.tolist() == [4, 4]
    nxt = EventSessions(log, vocab, target="next", max_len=4, keep="last")
    assert vocab.decode(nxt[0][0]["event"].tolist()) == ["search", "view", "pay"]
    assert vocab.decode(nxt[0][1].tolist()) == ["view", "pay", "logout"]
    with warnings.catch_warnings():  # the default keeps the first events, as before
        warnings.simplefilter("ignore")
        first = EventSessions(log, vocab, target="next", max_len=4)
    assert vocab.decode(first[0][0]["event"].tolist()) == ["login", "view", "view"]


def test_D37_12_keep_other_than_first_or_last_is_refused():
    log = _log()
    with pytest.raises(ValueError, match=r"keep must be 'first' or 'last' \(the events a session longer than max_len "
                                         r"keeps\), got 'end'"):
        EventSessions(log, event_vocab(log), max_len=4, keep="end")


# D37-13: a FASTA record holding GenBank's numbered ORIGIN lines, its first line of one block of 10 letters
def test_D37_13_a_genbank_line_of_one_block_is_named_in_a_fasta_record(tmp_path):
    p = tmp_path / "short.fa"
    p.write_text(">s\n1 acgtacgtac\n11 acgt\n")
    with pytest.raises(ValueError, match=r"line 2, position 0: invalid letter '1'.*This looks like GenBank sequence "
                                         r"lines.*convert the file to FASTA first"):
        read_fasta(p)  # before: the invalid letter alone
    p.write_text(">s\nACGTACGTAC\n")
    assert read_fasta(p)[0].sequence == "ACGTACGTAC"
