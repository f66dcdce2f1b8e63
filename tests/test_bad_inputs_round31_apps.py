"""The thirty-first round's cases of the application recipes, driven with a practitioner's own data in the forms
their tools hand it out: A31-01 ``sentiment`` reviews repeated up to case, spacing, punctuation or ``<br />``;
A31-02 ``dna.run`` on one's own FASTA at ``$RNNKIT_DNA``; A31-03/04 ``spoken_digits.features`` of integer PCM cast
to float unscaled, and of 8- and 24-bit PCM; A31-05/06 ``eventlogs``' waits as pandas timedeltas and with
``diff()``'s NaN before each session's first event; A31-07/08 ``stocks.daily_features`` of a download missing
weeks, and of a currency pair's volume of 0; A31-09 ``sentiment.prepare`` of a shuffled or filtered Series;
A31-10 a recipe's ``out="~/..."``; A31-11/12 ``speech``'s helpers of sktime's and aeon's channels-first data;
A31-13 ``charlm.split_corpus`` of a CRLF copy of a training file. Each test fails on the commit before its fix."""
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import own_fasta

from rnnkit.apps import charlm, dna, eventlogs, sentiment, speech, spoken_digits, stocks


def _reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = ["good", "bad", "great", "awful", "film", "plot", "actor", "boring", "fun", "movie", "scene", "cast"]
    texts = [" ".join(rng.choice(words, 10)) for _ in range(n)]
    return texts, np.array([int("good" in t) for t in texts])


def test_A31_01_reviews_repeated_up_to_spacing_case_and_line_breaks_would_leak_across_the_split():
    # before: split as distinct reviews; the models read each pair as one text, one of them scored as unseen
    texts, labels = _reviews(30)
    near = [t.upper() + "<br /><br />" if i % 2 else t.replace(" ", "  ") + " ." for i, t in enumerate(texts)]
    with pytest.raises(ValueError, match=r"prepare: texts\[30\] repeats texts\[0\] \(30 repeated review\(s\), 0 of "
                                         r"them with another label; the two differ only in case, spacing, "
                                         r"punctuation or <br />\).*keep = sentiment\.distinct\(texts\)"):
        sentiment.prepare(texts + near, np.r_[labels, labels], sentiment.SETTINGS["quick"], 0)
    keep = sentiment.distinct(texts + near)  # the fix it names; load_reviews keeps the same first of each
    assert keep.tolist() == list(range(30))
    # IMDB's own pair 8485/8486 (a trailing "<br /><br />") is one review
    assert sentiment.review_key("It was fine.<br /><br />") == sentiment.review_key("It was fine.")


def test_A31_02_ones_own_fasta_is_reported_by_its_own_name(tmp_path, monkeypatch):
    # before: report.json named the shipped "dm3_upstream2000.fa.gz" for one's own file at $RNNKIT_DNA
    own_fasta(tmp_path, monkeypatch, 4)
    results = dna.run(quick=True, log=lambda line: None)
    assert (results["data"]["name"], results["data"]["records"]) == ("dm6_upstream2000.fa", 12)
    assert "of dm6_upstream2000.fa (12 records" in dna.markdown(results)


def _logmel_and_wave():
    from rnnkit.data.audio import LogMel

    return LogMel(spoken_digits.SAMPLE_RATE, n_mels=40), (0.5 * np.sin(np.arange(4000) * 0.1)).astype(np.float32)


def test_A31_03_integer_pcm_cast_to_float_without_scaling_is_refused():
    # before: scipy's int16 samples .astype(np.float32) were read as a clip 90 dB louder (features ~21 too high)
    logmel, wave = _logmel_and_wave()
    unscaled = (wave * 32767).astype(np.int16).astype(np.float32)
    with pytest.raises(ValueError, match=r"features: the wave's samples reach 16383 \(sample \d+\), far beyond "
                                         r"\[-1, 1\]: integer PCM cast to float without scaling.*x / 32768"):
        spoken_digits.features(logmel, unscaled)
    assert spoken_digits.features(logmel, unscaled / 32768).shape == spoken_digits.features(logmel, wave).shape


@pytest.mark.parametrize("dtype, scale", [(np.uint8, r"\(x - 128\) / 128 for 8-bit WAV's uint8"),
                                          (np.int32, r"x / 2\*\*31 for int32 \(scipy reads 24-bit WAV as int32\)")])
def test_A31_04_8_and_24_bit_pcm_is_told_its_own_scale(dtype, scale):
    # before: LogMel's "integer PCM must be scaled first (... or x / 32768 for int16)" for uint8 and int32 PCM too,
    # which for 8-bit samples (0..255 around 128) leaves a DC offset, and for int32 a clip 84 dB too loud
    logmel, wave = _logmel_and_wave()
    pcm = (wave * 127 + 128).astype(np.uint8) if dtype == np.uint8 else (wave * 2**31).astype(np.int32)
    with pytest.raises(ValueError, match=rf"features: the wave holds {np.dtype(dtype).name} PCM samples, .*{scale}"):
        spoken_digits.features(logmel, pcm)


def _log_frame():
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.cumsum(np.tile([0, 2, 30, 5], 12)), unit="s")
    return pd.DataFrame({"session": np.repeat(np.arange(12), 4), "time": times, "event": np.tile([0, 1, 2, 1], 12)})


def test_A31_05_waits_as_pandas_timedeltas_are_read_as_seconds():
    # before: accepted by check_sessions as nanosecond counts, then numpy's "ufunc 'add' cannot use operands with
    # types dtype('<m8[ns]') and dtype('float64')" in NGramDetector.fit, "ufunc 'log1p' not supported" in training
    df = _log_frame()
    df["dt"] = df.groupby("session")["time"].diff().fillna(pd.Timedelta(0))
    groups = [g for _, g in df.groupby("session")]
    timedeltas = eventlogs.Sessions([g["event"].to_numpy() for g in groups], [g["dt"] for g in groups])
    seconds = eventlogs.Sessions(timedeltas.events, [g["dt"].dt.total_seconds().to_numpy() for g in groups])
    assert eventlogs.check_sessions(timedeltas, "x").dt[0].tolist() == [0.0, 2.0, 30.0, 5.0]
    fitted = eventlogs.NGramDetector(2).fit(timedeltas)
    assert fitted.delay == eventlogs.NGramDetector(2).fit(seconds).delay
    assert torch.equal(eventlogs.training_items(timedeltas)[0][0], eventlogs.training_items(seconds)[0][0])
    with pytest.raises(ValueError, match=r"x: session 0's waits \(dt\) are timestamps \(datetime64.*np\.diff\(t\)"):
        eventlogs.check_sessions(eventlogs.Sessions(timedeltas.events, [g["time"] for g in groups]), "x")


def test_A31_06_the_nan_wait_diff_leaves_before_a_sessions_first_event_is_named_as_such():
    # before: "session 0, step 0 waits nan s ...: sort each session's rows by time and fill missing timestamps
    # first" (no timestamp is missing: diff() leaves NaN before each session's first event, whose wait is 0)
    df = _log_frame()
    df["dt"] = df.groupby("session")["time"].diff().dt.total_seconds()
    groups = [g for _, g in df.groupby("session")]
    sessions = eventlogs.Sessions([g["event"].to_numpy() for g in groups], [g["dt"].to_numpy() for g in groups])
    with pytest.raises(ValueError, match=r"NGramDetector\.fit: session 0, step 0 waits nan s, as groupby\(\.\.\.\)"
                                         r"\.diff\(\) leaves a session's first event, .*\.fillna\(0\)"):
        eventlogs.NGramDetector(2).fit(sessions)


def _prices(days: int, volume: float = 1500.0) -> pd.DataFrame:
    close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, days)))
    return pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                         "Volume": np.full(days, volume)}, index=pd.bdate_range("2020-01-01", periods=days))


def test_A31_07_days_missing_from_a_download_are_warned_of():
    # before: 85 feature rows without a word; the return over the 3 missing weeks read as one day's
    prices = _prices(120)
    with pytest.warns(UserWarning, match=r"daily_features: rows 39 and 40 \(2020-02-25 and 2020-03-18\) are 22 days "
                                         r"apart \(1 such gap\(s\) of more than 7 days.*read as one trading day's"):
        assert len(stocks.daily_features(prices.drop(prices.index[40:55]))) == 85
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # weekends and a week's closure (the S&P 500's 9/11) pass
        stocks.daily_features(prices.drop(prices.index[60:64]))


def test_A31_08_a_volume_of_0_on_every_day_is_named_as_a_currency_pairs():
    # before: "Volume on 2020-01-01 (row 0) is 0.0, not a positive number (120 such row(s) in Volume); ... so drop
    # those days or fill them (e.g. prices.ffill()) first": dropping or filling every day leaves nothing
    with pytest.raises(ValueError, match=r"daily_features: Volume is 0 on all 120 days, as yfinance gives it for "
                                         r"currency pairs and many indices .*give a traded instrument's daily prices"):
        stocks.daily_features(_prices(120, volume=0.0))


def test_A31_09_a_shuffled_or_filtered_series_of_reviews_is_named_by_place_and_label():
    # before: texts[i] of a Series is the row *labelled* i: "texts[28] is str 'good actor ...', not a str" for the
    # None at place 28 of a shuffled frame, KeyError 3 for a filtered one; bytes were not told to be decoded
    texts, labels = _reviews(60)
    df = pd.DataFrame({"text": pd.Series(texts, dtype=object), "label": labels})
    df.loc[5, "text"] = None
    shuffled = df.sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match=r"prepare: texts\.iloc\[28\] \(index 5\) is NoneType None, not a str"):
        sentiment.prepare(shuffled["text"], shuffled["label"], sentiment.SETTINGS["quick"], 0)
    filtered = df[df.index % 3 != 0]
    with pytest.raises(ValueError, match=r"prepare: texts\.iloc\[3\] \(index 5\) is NoneType None"):
        sentiment.prepare(filtered["text"], filtered["label"], sentiment.SETTINGS["quick"], 0)
    with pytest.raises(ValueError, match=r"prepare: texts\[1\] is bytes b'caf\\xe9 film', not a str; give each "
                                         r"review as text \(bytes: decode them .*t\.decode\('latin-1'\)\)"):
        sentiment.prepare([texts[0], b"caf\xe9 film", *texts[2:]], labels, sentiment.SETTINGS["quick"], 0)
    kept = df.drop(5).sample(frac=1, random_state=0)  # the Series read in its own order, as a list of it is
    prepared = sentiment.prepare(kept["text"], kept["label"], sentiment.SETTINGS["quick"], 0)
    assert prepared.tokens == sentiment.prepare(kept["text"].tolist(), kept["label"].to_numpy(),
                                                sentiment.SETTINGS["quick"], 0).tokens


def test_A31_10_a_recipes_out_under_the_home_directory_as_typed_in_a_shell(tmp_path, monkeypatch):
    # before: run(out="~/runs/dna") wrote report.json to ./~/runs/dna, a folder named "~" in the working directory
    from torch.utils.cpp_extension import get_default_build_root

    # the compiled kernels are loaded from where they were built, not built again under the new home
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", get_default_build_root())
    own_fasta(tmp_path, monkeypatch, 4)
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "work")
    dna.run(quick=True, out="~/runs/dna", log=lambda line: None)
    assert (tmp_path / "home" / "runs" / "dna" / "report.json").is_file()
    assert not (tmp_path / "work" / "~").exists()


def test_A31_11_sktimes_channels_first_array_is_not_read_as_frames_of_time_steps():
    # before: fit_standardisation and summary_features of sktime's numpy3D (40, 6, 100) read 6 "frames" of 100
    # "features" per utterance: 200 summary columns of time steps, not 12 of 6 coefficients
    X = np.random.default_rng(0).normal(size=(40, 6, 100))
    for helper in (speech.fit_standardisation, speech.summary_features):
        with pytest.raises(ValueError, match=r"sequences is one array of shape \(40, 6, 100\), which reads as 40 "
                                             r"utterances of 6 frames of 100 features.*numpy3D.*"
                                             r"list\(X\.transpose\(0, 2, 1\)\)"):
            helper(X)
    assert speech.summary_features(list(X.transpose(0, 2, 1))).shape == (40, 12)  # the fix it names


def test_A31_12_aeons_channels_first_list_is_named_as_such():
    # before: "sequence 1 has shape (12, 25), but each must be (T, 20) numbers: ... (as sequence 0)"
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(12, t)) for t in (20, 25, 30)]
    with pytest.raises(ValueError, match=r"summary_features: every sequence has 12 rows and the columns vary "
                                         r"\(\(12, 20\) and \(12, 25\)\): aeon's \(C, T_i\) sequences.*a\.T for a in"):
        speech.summary_features(X)
    assert speech.summary_features([a.T for a in X]).shape == (3, 24)


def test_A31_13_a_file_kept_twice_with_other_line_endings_on_both_sides_of_the_split_is_refused():
    # before: a test file that is a training file checked out with CRLF line endings (or trailing spaces) was
    # scored by every model as unseen text
    files = {f"pkg{i}/mod.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(60)}  # pkg8/mod.py: a test file
    files["pkg8/mod.py"] = files["pkg0/mod.py"].replace("\n", "  \r\n")
    with pytest.raises(ValueError, match=r"split_corpus: test file 'pkg8/mod\.py' holds the same source as training "
                                         r"file 'pkg0/mod\.py' \(1 test file\(s\) repeat a training file\), the two "
                                         r"differing only in line endings or trailing spaces.*charlm\.source_key"):
        charlm.split_corpus("python", files, None, 500, 10)
    seen: dict[str, str] = {}
    kept = {p: s for p, s in files.items() if seen.setdefault(charlm.source_key(s), p) == p}  # the fix it names
    assert "def f0(x)" not in charlm.split_corpus("python", kept, None, 500, 10)[2]
