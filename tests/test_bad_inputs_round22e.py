"""The twenty-second round's cases of the application recipes, continued: the helpers a new user calls with their
own data. A22-14 ``eventlogs.score_lstm`` of one-event sessions; A22-15 ``speech``'s standardisation and summary
features of 1-D or other-width sequences; A22-16 ``sentiment.prepare`` with a missing label; A22-17 bits and error
rates of nothing (``charlm.xz_bits``, ``spoken_digits.score_ctc``); A22-18 ``driving.mcnemar`` of unpaired or
non-bool collisions; A22-19 ``charlm``'s LSTM settings without a key; A22-20 ``recipe("spoken_digits")``;
A22-21/22 ``driving``'s observations, outage masks and scores; A22-23/24 ``stocks``' windows, baselines and
tests; A22-25 ``surveillance``'s clips and frame metrics."""
import math

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, driving, eventlogs, recipe, sentiment, speech, spoken_digits, stocks, surveillance


def test_A22_14_score_lstm_names_the_one_event_sessions_and_the_fix():
    rng = np.random.default_rng(0)
    events = [rng.integers(0, 5, n) for n in (4, 1, 3, 1, 2)]
    sessions = eventlogs.Sessions(events, [np.r_[0.0, rng.uniform(0, 5, len(e) - 1)] for e in events])
    torch.manual_seed(0)
    module = eventlogs.NextEventModule(eventlogs.NextEventModel(5, 4, 8, num_layers=1), task="regression")
    with pytest.raises(ValueError, match=r"score_lstm: session\(s\) 1, 3 \(2 of 5\) have fewer than 2 events, so no "
                                         r"next event to score; score the sessions of 2 or more events"):
        eventlogs.score_lstm(module, sessions)
    kept = eventlogs.Sessions([events[i] for i in (0, 2, 4)], [sessions.dt[i] for i in (0, 2, 4)])
    scores = eventlogs.score_lstm(module, kept)
    assert [len(r) for r in scores.rank] == [3, 2, 1] and [len(z) for z in scores.z] == [3, 2, 1]


def test_A22_15_speech_sequences_of_one_dimension_or_another_width_are_named():
    rng = np.random.default_rng(0)
    train = [rng.normal(size=(n, 12)) for n in (9, 7, 11)]
    mean, scale = speech.fit_standardisation(train)
    # before: a 1-D sequence was read as frames of one coefficient (a scalar mean) or one frame of 12, without a word
    with pytest.raises(ValueError, match=r"fit_standardisation: sequence 0 has shape \(10,\), but each must be "
                                         r"\(T, F\) numbers.*a.reshape\(-1, 1\)"):
        speech.fit_standardisation([rng.normal(size=10)])
    with pytest.raises(ValueError, match=r"standardise: sequence 1 has shape \(12,\), but each must be \(T, 12\) "
                                         r"numbers.*\(as the standardisation's mean\); one frame: a.reshape\(1, -1\)"):
        speech.standardise([train[0], rng.normal(size=12)], mean, scale)
    with pytest.raises(ValueError, match=r"standardise: sequence 3 has shape \(9, 13\), but each must be \(T, 12\)"):
        speech.standardise(train + [rng.normal(size=(9, 13))], mean, scale)  # numpy's broadcast error before
    with pytest.raises(ValueError, match=r"summary_features: sequence 3 has shape \(9, 13\).*\(as sequence 0\)"):
        speech.summary_features(train + [rng.normal(size=(9, 13))])
    with pytest.raises(ValueError, match=r"summary_features: sequence 1 has shape \(0, 12\)"):
        speech.summary_features([train[0], np.zeros((0, 12))])  # a row of NaN before
    z = speech.standardise(train, mean, scale)
    np.testing.assert_allclose(speech.summary_features(z)[0, :12], ((train[0] - mean) / scale).mean(0), rtol=1e-5)


def test_A22_16_prepare_with_a_missing_label_names_it():
    texts = [f"{'good' if i % 2 else 'bad'} film number {i}" for i in range(40)]
    labels = (np.arange(40) % 2).astype(float)
    labels[[7, 19]] = np.nan  # scikit-learn's "Input y contains NaN" before
    settings = {"min_freq": 1, "max_vocab": 100, "max_tokens": 5}
    with pytest.raises(ValueError, match=r"prepare: labels\[7\] is nan \(2 such label\(s\)\), not a class id; give "
                                         r"every review its label"):
        sentiment.prepare(texts, labels, settings, 0)
    assert len(sentiment.prepare(texts, np.arange(40) % 2, settings, 0).data["train"]) > 0


class _Blank(torch.nn.Module):
    """A CTC model that outputs blank everywhere: it decodes every utterance as no digits."""

    def forward(self, x):
        out = torch.zeros(1, x.shape[1], 11)
        out[..., 0] = 1.0
        return out, None


def test_A22_17_bits_and_error_rates_of_nothing_are_refused():
    with pytest.raises(ValueError, match=r"xz_bits: text must be a non-empty str .*got ''"):
        charlm.xz_bits("")  # ZeroDivisionError before
    assert 0 < charlm.xz_bits("In the beginning " * 20) < 8
    clips = [np.zeros((6, 40), np.float32)] * 2
    with pytest.raises(ValueError, match=r"score_ctc: the 2 truth\(s\) hold no digit, so the digit error rate"):
        spoken_digits.score_ctc(_Blank(), clips, [(), ()])  # ZeroDivisionError before
    # digits as text were compared character by character with the decoded integers: every digit "wrong"
    with pytest.raises(ValueError, match=r"score_ctc: digits\[1\] is '42'; each truth must be a sequence of integers "
                                         r"0-9"):
        spoken_digits.score_ctc(_Blank(), clips, [(4,), "42"])
    with pytest.raises(ValueError, match=r"score_ctc: 2 utterances but 1 digit strings"):
        spoken_digits.score_ctc(_Blank(), clips, [(4, 2)])  # zip()'s message before
    scores = spoken_digits.score_ctc(_Blank(), clips, [(4, 2), (7,)])
    assert scores["digit_error_rate"] == 1.0 and scores["digits"] == 3  # all deleted: 3 edits over 3 digits


def test_A22_18_mcnemar_of_unpaired_or_non_bool_collisions_is_refused():
    with pytest.raises(ValueError, match=r"mcnemar: 3 episodes for the first driver but 2 for the second; the test "
                                         r"pairs them"):
        driving.mcnemar([True, False, True], [False, False])  # zip()'s message before
    # "False" is a truthy str, so it counted as a collision
    with pytest.raises(ValueError, match=r"mcnemar: b\[0\] is 'False', not True or False"):
        driving.mcnemar([True, False], ["False", "False"])
    with pytest.raises(ValueError, match=r"mcnemar: a\[1\] is 2, not True or False"):
        driving.mcnemar([1, 2], [0, 0])
    assert driving.mcnemar([True, 1, False], [False, 0, np.bool_(False)])["only_first"] == 2


def test_A22_19_lstm_settings_without_a_key_are_named():
    with pytest.raises(ValueError, match=r"model_size: the LSTM settings lack \['dropout'\] \(they have "
                                         r"\['hidden_size', 'num_layers'\]\)"):
        charlm.model_size({"hidden_size": 64, "num_layers": 1})  # KeyError: 'dropout' before
    with pytest.raises(ValueError, match=r"fit_lstm: the LSTM settings lack \['dropout', 'lr_schedule'\]"):
        settings = {k: v for k, v in charlm.QUICK["lstm"]["bible"].items() if k not in ("dropout", "lr_schedule")}
        charlm.fit_lstm(torch.arange(50) % 7, 7, settings, seed=0, device="cpu")
    two = {"hidden_size": 64, "num_layers": 2, "dropout": 0.1}
    assert charlm.model_size(two) == "2 layers of 64 units, dropout 0.1"


def test_A22_20_recipe_takes_the_modules_spelling_too():
    assert recipe("spoken_digits") is recipe("spoken-digits") is spoken_digits
    with pytest.raises(ValueError, match=r"unknown recipe 'spoken digits'; choose one of .*spoken-digits"):
        recipe("spoken digits")


def test_A22_21_driving_frames_of_another_layout_and_outage_masks_of_numbers_are_refused():
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(30, driving.VEHICLES, 5)).astype(np.float32)
    # before: rows of 4 or 7 columns and 3 vehicles were read without a word (15, 15 and 9 features)
    for bad in (frames[..., :4], np.concatenate([frames, frames[..., :2]], -1), frames[:, :3]):
        with pytest.raises(ValueError, match=rf"observe: frames must be \(T, 5, 5\).*got shape \({bad.shape[0]}, "
                                             rf"{bad.shape[1]}, {bad.shape[2]}\)"):
            driving.observe(bad)
    scaling = driving.Scaling(np.zeros(15), np.ones(15), np.zeros(1), np.ones(1))
    # a 0/1 integer mask indexed rows 0 and 1, so frames 0 and 1 were blanked and the outages ignored
    out = np.zeros(30, int)
    out[10:20] = 1
    with pytest.raises(ValueError, match=r"policy_inputs: outages must be a 1-D bool mask .*got int64 of shape "
                                         r"\(30,\); a 0/1 mask: mask.astype\(bool\)"):
        driving.policy_inputs(frames, scaling, out)
    with pytest.raises(ValueError, match=r"of at least the episode's 30 steps, .*got bool of shape \(10,\)"):
        driving.policy_inputs(frames, scaling, np.zeros(10, bool))  # numpy's IndexError before
    x = driving.policy_inputs(frames, scaling, out.astype(bool))
    assert (x[10:20, :-1] == 0).all() and (x[:10, -1] == 0).all() and (x[10:20, -1] == 1).all()
    with pytest.raises(ValueError, match=r"outage_mask: start is a probability per step .*got 2.0"):
        driving.outage_mask(0, 10, 2.0, 0.5)  # a sensor that failed whenever it could, silently


def test_A22_22_driving_scores_of_no_steps_or_unpaired_episodes_are_refused():
    w = driving.WARM_UP
    with pytest.raises(ValueError, match=r"action_scores: episode 0 has predictions of shape \(40, 1\) but expert "
                                         r"actions of shape \(30, 2\)"):
        driving.action_scores([np.zeros((40, 1))], [np.zeros((30, 2))], np.zeros(1))  # numpy's broadcast error
    with pytest.raises(ValueError, match=r"action_scores: 1 predicted episodes but 2 of expert actions"):
        driving.action_scores([np.zeros((40, 1))], [np.zeros((40, 2))] * 2, np.zeros(1))
    with pytest.raises(ValueError, match=rf"none of the 1 episodes has a step after the {w}-step warm-up"):
        driving.action_scores([np.zeros((w, 1))], [np.zeros((w, 2))], np.zeros(1))  # R² and RMSE nan before
    with pytest.raises(ValueError, match=r"driving_scores: no episodes"):
        driving.driving_scores([], 10)  # ZeroDivisionError before
    with pytest.raises(ValueError, match=r"mean_interval: values must be a non-empty 1-D sequence"):
        driving.mean_interval([])  # a mean of nan before
    with pytest.raises(ValueError, match=r"wilson_interval: need integer counts .*got k=1.5"):
        driving.wilson_interval(1.5, 4)
    with pytest.raises(ValueError, match=r"wilson_interval: level is the interval's coverage, .*got 95$"):
        driving.wilson_interval(1, 4, 95)  # [0, 1] before
    actual = np.zeros((w + 4, 2))
    actual[w:, 0] = [1.0, -1.0, 1.0, -1.0]
    scores = driving.action_scores([np.zeros((w + 4, 1))], [actual], np.zeros(1))
    assert scores == {"r2_acceleration": 0.0, "rmse_acceleration": 1.0}


def test_A22_23_next_day_windows_of_a_wide_target_or_other_lengths_are_refused():
    features, target = np.arange(150.0).reshape(50, 3), np.arange(50.0)
    # a (N, 2) target: its first column became a fourth feature and the second the target, without a word
    with pytest.raises(ValueError, match=r"next_day_windows: features must be \(N, F\).*got \(50, 3\) and \(50, 2\); "
                                         r"a target of several columns would be read as features"):
        stocks.next_day_windows(features, np.stack([target, target], 1), 5)
    with pytest.raises(ValueError, match=r"got \(50, 3\) and \(40,\)"):
        stocks.next_day_windows(features, target[:40], 5)  # numpy's concatenation message before
    x, y = stocks.next_day_windows(features, target, 5)
    assert x.shape == (45, 5, 3) and y[0] == 5.0 and x[0, -1, 0] == 12.0


def test_A22_24_stocks_losses_and_tests_of_other_lengths_nan_or_non_positive_variances_are_named():
    rng = np.random.default_rng(0)
    r = rng.normal(size=60)
    with pytest.raises(ValueError, match=r"qlike: h\[1\] is 0.0, but a variance forecast must be > 0 .*2 such day"):
        stocks.qlike(np.ones(3), np.array([1.0, 0.0, -1.0]))  # nan losses before
    # one loss was broadcast against 60: a test of 60 "days" against a constant, without a word
    with pytest.raises(ValueError, match=r"diebold_mariano: loss_a and loss_b must each be a non-empty 1-D array, "
                                         r"all of one length .*'loss_b': \(1,\)"):
        stocks.diebold_mariano(r**2, np.ones(1))
    with pytest.raises(ValueError, match=r"diebold_mariano: loss_a\[1\] is nan \(1 such day"):
        stocks.diebold_mariano(np.r_[1.0, np.nan, r[2:] ** 2], r**2)  # "a nonzero constant" before
    with pytest.raises(ValueError, match=r"direction_accuracy: r is 0 on all 4 days"):
        stocks.direction_accuracy(np.ones(4), np.zeros(4))  # nan before
    with pytest.raises(ValueError, match=r"direction_accuracy: r\[1\] is nan"):
        stocks.direction_accuracy(np.ones(4), np.array([1.0, np.nan, -1.0, 1.0]))  # 0.5 before: nan counted
    with pytest.raises(ValueError, match=r"direction_accuracy: forecast and r must each be .*'forecast': \(5,\)"):
        stocks.direction_accuracy(np.ones(5), r[:4])  # numpy's IndexError before
    with pytest.raises(ValueError, match=r"ewma_variance: r\[1\] is nan"):
        stocks.ewma_variance(np.array([1.0, np.nan, 1.0]), 1.0)  # nan from day 2 on before
    with pytest.raises(ValueError, match=r"ewma_variance: lam must be a decay in \(0, 1\).*got lam=1.5"):
        stocks.ewma_variance(r, 1.0, 1.5)  # negative variances before
    with pytest.raises(ValueError, match=r"garch_variance: params lack \['gamma', 'backcast'\]"):
        stocks.garch_variance(r, {"omega": 0.1, "alpha": 0.1, "beta": 0.8})  # KeyError: 'gamma' before
    assert stocks.direction_accuracy(np.array([1.0, -1.0, 1.0]), np.array([2.0, 0.0, -1.0])) == 0.5
    assert math.isclose(stocks.ewma_variance(np.array([2.0, 0.0]), 1.0)[1], 0.94 + 0.06 * 4)


def test_A22_25_surveillance_frames_without_a_channel_or_no_moving_pixels_are_refused():
    frames = torch.rand(40, 1, 8, 8)
    # (T, H, W) was read as T frames of 8 channels: clips of shape (17, 4, 8, 8), no error until the model
    with pytest.raises(ValueError, match=r"clips: frames must be a torch.Tensor \(T, 1, H, W\) .*got Tensor of shape "
                                         r"\(40, 8, 8\); for \(T, H, W\): frames\[:, None\]"):
        surveillance.clips(frames[:, 0], range(0, 20), 3)
    with pytest.raises(ValueError, match=r"got ndarray of shape \(40, 1, 8, 8\)"):
        surveillance.clips(frames.numpy(), range(0, 20), 3)  # torch.stack's TypeError before
    assert surveillance.clips(frames, range(0, 20), 3).shape == (17, 4, 1, 8, 8)
    p = frames[:5]
    with pytest.raises(ValueError, match=r"frame_metrics: moving must be a bool mask with at least one pixel set.*"
                                         r"with 0 set"):
        surveillance.frame_metrics(p, p + 0.01, torch.zeros_like(p, dtype=torch.bool))  # nan moving MSE before
    with pytest.raises(ValueError, match=r"frame_metrics: predicted, target and moving must all be"):
        surveillance.frame_metrics(p[:3], p, torch.ones_like(p, dtype=torch.bool))
    perfect = surveillance.frame_metrics(p, p, torch.ones_like(p, dtype=torch.bool))  # ZeroDivisionError before
    assert perfect["moving_mse"] == 0.0 and perfect["moving_psnr"] == perfect["psnr"] == 100.0


def test_A22_26_episode_seeds_that_reach_the_held_out_range_and_sizes_of_another_kind_are_refused():
    # before: training seeds past 10^6 were the held-out seeds of a smaller recipe seed (seed 20000's training
    # episodes 1,600,000.. are seed 7500's held-out ones), and seed -1 gave held-out seeds below 10^6, another
    # seed's training episodes
    assert driving.episode_seeds(7500, "test", 80)[0] == 1_600_000
    with pytest.raises(ValueError, match=r"episode_seeds: seed=20000 with n=80 reaches training episode seed "
                                         r"1,600,079, past 1,000,000 where the held-out seeds begin.*below 12,500"):
        driving.episode_seeds(20000, "train", 80)
    with pytest.raises(ValueError, match=r"episode_seeds: seed must be an integer >= 0 .*got seed=-1, n=3"):
        driving.episode_seeds(-1, "test", 3)
    assert driving.episode_seeds(12499, "train", 80)[-1] == 999_999
    for k in (2.5, True, "3"):  # torch's TypeError, a bool taken as 1, '<' between str and int before
        with pytest.raises(ValueError, match=rf"FrameStackMLP: k must be an integer >= 1 .*got {k!r}"):
            driving.FrameStackMLP(3, 1, k=k)
    # one size for a square image, as ConvLSTMCell takes it ("'int' object is not iterable" before)
    assert surveillance.NextFramePredictor(2, 8).image_size == (8, 8)
    out, _ = surveillance.NextFramePredictor(2, 8)(torch.rand(1, 3, 1, 8, 8))
    assert out.shape == (1, 3, 1, 8, 8)
