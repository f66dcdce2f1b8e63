"""Thirty-third round, second pass: the recipes with a practitioner's own data (A33-07 … A33-10).

A33-07 ``charlm.stream_bits`` / ``dynamic_bits`` / ``sample_texts`` of a model given saved weights (training mode);
A33-08 ``surveillance.NextFramePredictor`` of clips of (W, H) frames for an (H, W) model, channels last, no channel;
A33-09 ``spoken_digits.fit_ctc`` of an utterance with fewer frames than its digit string needs;
A33-10 the event-log detectors of a padded (S, T) array given as ``Sessions.events`` and ``Sessions.dt``.
"""

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, eventlogs, spoken_digits, surveillance
from rnnkit.data.text import Vocab
from rnnkit.models import LanguageModel


def test_A33_07_a_model_in_training_mode_is_scored_and_sampled_without_dropout():
    text = "the quick brown fox jumps over the lazy dog. " * 10
    vocab = Vocab.build([text], level="char")
    ids = vocab.encode(text)
    torch.manual_seed(0)
    trained = LanguageModel(len(vocab), 16, cell="lstm", embedding_size=8, num_layers=2, dropout=0.5).eval()
    loaded = LanguageModel(len(vocab), 16, cell="lstm", embedding_size=8, num_layers=2, dropout=0.5)
    loaded.load_state_dict(trained.state_dict())  # as one reloads a saved model: in training mode
    assert loaded.training
    bpc = charlm.stream_bits(trained, ids)
    assert charlm.stream_bits(loaded, ids) == pytest.approx(bpc, abs=1e-9)  # before: dropout on, another figure
    assert charlm.dynamic_bits(loaded, ids, lr=0.0) == pytest.approx(bpc, abs=1e-6)
    samples = charlm.sample_texts(trained, vocab, "the", 40, seed=0)
    for _ in range(2):  # before: other text on every call for one seed (dropout drew from the global generator)
        assert charlm.sample_texts(loaded, vocab, "the", 40, seed=0) == samples
    assert loaded.training  # its mode is left as it was


def test_A33_08_clips_of_another_frame_shape_with_as_many_pixels_are_refused():
    torch.manual_seed(0)
    model = surveillance.NextFramePredictor(2, (6, 10))
    torch.nn.init.normal_(model.head.weight)  # a trained model's head: not the copy-last-frame start
    clips = torch.rand(2, 4, 1, 6, 10)
    assert surveillance.predict(model, clips).shape == (2, 1, 6, 10)
    with pytest.raises(ValueError, match=r"^NextFramePredictor: frames must be \(B, T, 1, H, W\) = \(B, T, 1, 6, 10\)"
                                         r".*got \(2, 4, 1, 10, 6\); height and width are swapped .*"
                                         r"frames\.transpose\(-1, -2\)"):
        surveillance.predict(model, clips.transpose(-1, -2).contiguous())  # before: scrambled rows, predicted
    with pytest.raises(ValueError, match=r"got \(2, 4, 6, 10, 1\); the channel is last: frames\.permute"):
        surveillance.predict(model, clips.permute(0, 1, 3, 4, 2).contiguous())
    with pytest.raises(ValueError, match=r"got \(2, 4, 6, 10\); the channel is missing: frames\[:, :, None\]"):
        surveillance.predict(model, clips[:, :, 0])


def test_A33_09_fit_ctc_names_an_utterance_shorter_than_its_digit_string():
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(12, 4)).astype(np.float32) for _ in range(4)]
    digits = [(1, 2), (3,), (4, 4, 5), (6, 7)]
    x[2] = x[2][:3]  # (4, 4, 5) needs 4 frames: a blank between the two 4s
    with pytest.raises(ValueError, match=r"^fit_ctc: utterance 2 has 3 frame\(s\) but its truth \(4, 4, 5\) needs "
                                         r"at least 4 .*CTC finds no alignment"):
        spoken_digits.fit_ctc(x, digits, hidden_size=4, max_epochs=1, seed=0, device="cpu")  # before: "non-finite
        # loss (inf) … Try a lower learning rate"
    x[2] = np.concatenate([x[2], x[2][:1]])  # 4 frames: enough
    model = spoken_digits.fit_ctc(x, digits, hidden_size=4, max_epochs=1, seed=0, device="cpu")
    assert all(torch.isfinite(p).all() for p in model.parameters())


@pytest.fixture(scope="module")
def logs():
    parts = eventlogs.make_split(40, seed=0)
    vocab = eventlogs.event_vocab(parts["train"].frame)
    return {name: part.sessions(vocab) for name, part in parts.items()}


def _padded(sessions, T):
    events, waits = np.zeros((len(sessions.events), T), np.int64), np.zeros((len(sessions.events), T))
    for i, (e, dt) in enumerate(zip(sessions.events, sessions.dt, strict=True)):
        events[i, : len(e)], waits[i, : len(dt)] = e, dt
    return eventlogs.Sessions(events, waits)


def test_A33_10_a_padded_array_of_sessions_is_refused(logs):
    T = max(len(e) for part in logs.values() for e in part.events)
    detector = eventlogs.NGramDetector(2).fit(logs["train"])
    assert eventlogs.flag_sessions(detector.score(logs["test"]), 3, 4.0).sum() < 45  # 31 of 60 flagged
    with pytest.raises(ValueError, match=r"^NGramDetector\.score: the 60 sessions are all \d+ steps long and \d+ of "
                                         r"them end with a run of event 0 whose waits are all 0 .*padded \(S, T\) "
                                         r"array"):
        detector.score(_padded(logs["test"], T))  # before: the padding ranked as never seen, 60 of 60 flagged
    with pytest.raises(ValueError, match=r"^NGramDetector\.fit: the \d+ sessions are all \d+ steps long"):
        eventlogs.NGramDetector(2).fit(_padded(logs["train"], T))
    # sessions of one length that are not padded (windows of 6 events of one long log) are read as before
    events, waits = np.concatenate(logs["train"].events), np.concatenate(logs["train"].dt)
    n = len(events) // 6 * 6
    windows = eventlogs.Sessions(list(events[:n].reshape(-1, 6)), list(waits[:n].reshape(-1, 6)))
    eventlogs.NGramDetector(2).fit(windows).score(windows)
