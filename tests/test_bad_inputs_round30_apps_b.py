"""The thirtieth round's second pass over the application recipes, driven with a practitioner's own data:
A30-11 speech's and spoken-digits' frames holding NaN (standardised, summarised and compared by DTW as NaN);
A30-12 surveillance on a video whose test part holds one clip (a NaN correlation with numpy's warnings);
A30-13 dna on a FASTA with a record of N only (kept as a promoter whose shuffle is itself); A30-14 stocks of
weekly bars read as trading days; A30-15 charlm's Python corpus with one file twice, on both sides of the split.
Each test fails on the commit before its fix."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import charlm, dna, speech, spoken_digits, stocks, surveillance


def test_A30_11_frames_holding_nan_are_named_by_sequence_and_frame():
    # before: NaN frames came out of standardise and summary_features as NaN features, and DTWNearestNeighbour
    # gave the label of the clip holding NaN to every query (its distances NaN, argmin their first)
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(10, 3)) for _ in range(4)]
    x[2][5, 1] = np.nan
    for who, call in (("standardise", lambda: speech.standardise(x, np.zeros(3), np.ones(3))),
                      ("summary_features", lambda: speech.summary_features(x)),
                      ("fit_standardisation", lambda: speech.fit_standardisation(x)),
                      ("DTWNearestNeighbour.fit", lambda: spoken_digits.DTWNearestNeighbour().fit(x, np.arange(4)))):
        with pytest.raises(ValueError, match=rf"{who}: sequence 2 has nan at frame 5 \(feature 1; 1 sequence\(s\) "
                                             r"hold NaN or infinite values\).*fill the missing values"):
            call()
    clean = [a for i, a in enumerate(x) if i != 2]
    fitted = spoken_digits.DTWNearestNeighbour().fit(clean, np.array([0, 1, 3]))
    assert fitted.predict([clean[0] + 0.01, clean[2]]).tolist() == [0, 3]
    with pytest.raises(ValueError, match=r"DTWNearestNeighbour\.predict: sequence 0 has nan at frame 5"):
        fitted.predict([x[2]])


def _video(path, frames: int) -> None:
    from rnnkit.data.video import write_video

    rng = np.random.default_rng(0)
    write_video(path, (rng.random((frames, 24, 32)) * 255).astype(np.uint8), fps=10.0)


def test_A30_12_a_test_part_of_one_clip_reports_its_correlation_as_undefined_in_words(tmp_path, monkeypatch):
    # before: correlation NaN (null in report.json, "nan" in report.md) with numpy's RuntimeWarnings
    _video(tmp_path / "cam.avi", 75)
    monkeypatch.setenv("RNNKIT_VTEST", str(tmp_path / "cam.avi"))
    monkeypatch.setitem(surveillance.QUICK, "epochs", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        results = surveillance.run(quick=True, log=lambda line: None)
    assert results["data"]["clips"]["test"] == 1
    assert results["scores"]["correlation_with_moving_share"] is None
    text = surveillance.markdown(results)
    assert "nan" not in text
    assert ("over the 1 test frame(s): undefined, a correlation needs 3 frames or more (a video of at least 84 "
            "frames gives them; this one has 75)") in text


def test_A30_13_a_record_of_n_only_is_left_out_with_a_warning_naming_it(tmp_path):
    # before: kept as a promoter, and its dinucleotide shuffle (the negative) was the record itself
    rng = np.random.default_rng(0)
    real = lambda: "".join(rng.choice(list("ACGT"), dna.UPSTREAM))
    records = {"NM_1_up_2000_chr2L_100_f": real(), "NM_2_up_2000_chr2L_900_f": "N" * dna.UPSTREAM,
               "NM_3_up_2000_chr3R_100_r": real(), "NM_4_up_2000_chr3R_900_r": "N" * dna.UPSTREAM}
    path = tmp_path / "own.fa"
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records.items()))
    with pytest.warns(UserWarning, match=r"own\.fa: 2 record\(s\) hold only N \(no known base\), left out: "
                                         r"NM_2_up_2000_chr2L_900_f, NM_4_up_2000_chr3R_900_r"):
        promoters = dna.load_promoters(path)
    assert (promoters.kept, promoters.unknown, promoters.duplicates) == (2, 2, 0)
    assert all(set(s) <= set("ACGT") for s in promoters.sequences)
    with pytest.raises(ValueError, match=r"with_negatives: promoters\[1\] \(AAAAAAAAAAAA\.\.\., bases \['A'\]\) has "
                                         r"a dinucleotide shuffle equal to itself"):
        dna.with_negatives([real(), "A" * dna.UPSTREAM], rng)


def test_A30_14_weekly_bars_are_not_read_as_trading_days():
    # before: 40 rows of "daily" features from 60 weekly bars, each week's return read as a day's
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 60)))
    prices = pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                           "Volume": rng.integers(1_000, 2_000, 60).astype(float)},
                          index=pd.date_range("2020-01-06", periods=60, freq="W-MON"))
    with pytest.raises(ValueError, match=r"daily_features: the rows are 7 days apart \(the median gap; rows 0 and 1: "
                                         r"2020-01-06 and 2020-01-13\), as weekly or monthly bars are.*daily bars"):
        stocks.daily_features(prices)
    prices.index = (pd.bdate_range("2020-03-02", periods=60) + pd.Timedelta(hours=16)).tz_localize("America/New_York")
    assert len(stocks.daily_features(prices)) == 40  # daily bars across a weekend and a DST change still read


def test_A30_15_a_file_kept_twice_on_both_sides_of_the_split_is_refused():
    # before: the test file's text was a training file's, scored as unseen
    files = {f"pkg{i}/mod.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(60)}  # pkg8/mod.py: a test file
    files["pkg8/mod.py"] = files["pkg0/mod.py"]
    with pytest.raises(ValueError, match=r"split_corpus: test file 'pkg8/mod\.py' holds the same source as training "
                                         r"file 'pkg0/mod\.py' \(1 test file\(s\) repeat a training file\).*keep one "
                                         r"copy of each source"):
        charlm.split_corpus("python", files, None, 500, 10)
    seen: dict[str, str] = {}
    kept = {p: s for p, s in files.items() if seen.setdefault(s, p) == p}  # the fix the message names
    assert "def f0(x)" not in charlm.split_corpus("python", kept, None, 500, 10)[2]
