"""Eighteenth round (18b): the loaders, the sequence estimators and deployment as a new user brings them: a refused
video write that took an earlier file with it, advice for mixed naive and zoned times that itself failed, sktime's
and aeon's names for their layouts, and data sets no test had used.

One test per case of the catalogue (ids E18-01, E18-02, ...); each fails on the commit before its fix.
"""

import numpy as np
import pytest
from helpers import TINY_NCT, gunpoint_train, one_line


def test_E18_01_a_refused_video_write_leaves_an_earlier_file_of_that_name_as_it_was(tmp_path):
    from rnnkit.data.video import read_video, write_video

    path = tmp_path / "clip.avi"
    earlier = (np.arange(3)[:, None, None] * 60 + np.zeros((3, 16, 16))).astype(np.uint8)
    write_video(path, earlier, codec="MJPG")
    before = path.read_bytes()
    odd = np.zeros((4, 33, 17), np.uint8)
    with pytest.raises(ValueError) as e:  # before: the refusal unlinked clip.avi, the earlier video with it
        write_video(path, odd, codec="MJPG")
    assert "codec 'MJPG' wrote them as 32x16" in one_line(e) and "left as it was" in one_line(e)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.avi"]  # no temporary file left beside it
    assert read_video(path, grayscale=True).shape == (3, 16, 16)
    write_video(path, odd[:, :32, :16], codec="MJPG")  # a write that succeeds replaces it
    assert read_video(path, grayscale=True).shape == (4, 32, 16)


@pytest.mark.parametrize("kind", ["text", "timestamps"])
def test_E18_02_times_with_and_without_a_zone_name_advice_that_works(kind):
    import datetime

    import pandas as pd

    from rnnkit.data.events import sessionize

    text = ["2024-03-10 09:00:00", "2024-03-10T09:10:00+01:00", "2024-03-10 09:50:00", "2024-03-10 09:05:00"]
    times = text if kind == "text" else [pd.Timestamp(text[0]), pd.Timestamp(text[1]),
                                         datetime.datetime(2024, 3, 10, 9, 50), pd.Timestamp(text[3])]
    df = pd.DataFrame({"user": ["ann", "ann", "ann", "bob"], "timestamp": times})
    with pytest.raises(ValueError) as e:  # before: pd.to_datetime(df['timestamp']) (or utc=True, "the same
        sessionize(df)                    # instants"), the first refusing these times, the second guessing UTC
    msg = one_line(e)
    assert f"mixes times with a zone or UTC offset ({times[1]!r} at row 1) and times without one ({times[0]!r} " \
           "at row 0)" in msg
    as_utc, local = (part.split("; if they")[0] for part in msg.split("df['timestamp'] = ")[1:])
    for advice, ann in ((as_utc, ["08:10", "09:00", "09:50"]), (local, ["08:00", "08:10", "08:50"])):
        out = sessionize(df.assign(timestamp=eval(advice, {"pd": pd, "df": df})))  # the advice runs
        # and reads the times without a zone as it says: as UTC, or as Paris's (UTC+1 in March) for the second
        assert out["timestamp"][out["user"] == "ann"].dt.strftime("%H:%M").tolist() == ann
        assert str(out["timestamp"].dt.tz) == "UTC"


def test_E18_03_layout_numpy3D_is_sktimes_and_aeons_name_for_nct(tmp_path):
    import rnnkit

    X, y = gunpoint_train(16, 40)  # (16, 1, 40), as sktime's return_type="numpy3D" gives it
    # before: ValueError: layout must be one of ('auto', 'ntf', 'nct'), got 'numpy3D'
    named = rnnkit.SequenceClassifier(**{**TINY_NCT, "layout": "numpy3D"}).fit(X, y)
    nct = rnnkit.SequenceClassifier(**TINY_NCT).fit(X, y)
    assert named.n_features_in_ == 1
    np.testing.assert_array_equal(named.predict_proba(X), nct.predict_proba(X))
    named.save(tmp_path / "model")
    loaded = rnnkit.load(tmp_path / "model")
    assert loaded.get_params()["layout"] == "numpy3D"
    np.testing.assert_array_equal(loaded.predict_proba(X), nct.predict_proba(X))
    with pytest.raises(ValueError) as e:
        rnnkit.SequenceClassifier(**{**TINY_NCT, "layout": "numpy2D"}).fit(X[:, 0], y)
    assert "layout must be one of ('auto', 'ntf', 'nct', 'numpy3D'), got 'numpy2D'; 'numpy2D' is sktime's (or " \
           "aeon's) name of a container, not of a layout: a 2-D (n, T) array is read as n sequences of one feature " \
           "in every layout, so leave layout='auto'" in one_line(e)


def _wav32(samples: np.ndarray, tag: int = 1, rate: int = 16000) -> bytes:
    """A mono WAV of 32-bit samples whose header names format ``tag`` (1: integer PCM, 3: float)."""
    import struct

    data = samples.tobytes()
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_E18_04_a_float32_wav_whose_header_says_integer_pcm_is_named_so(tmp_path):
    import scipy.io.wavfile  # noqa: F401 (the fix named uses it)

    from rnnkit.data.audio import read_wav

    t = np.arange(4000) / 16000
    wave = (0.3 * np.sin(2 * np.pi * 440 * t) * np.exp(-t * 20)).astype("<f4")  # a decaying tone, as floats
    path = tmp_path / "mislabelled.wav"
    path.write_bytes(_wav32(wave, tag=1))
    with pytest.raises(ValueError) as e:  # before: read as int32 / 2**31, noise of about +-0.5
        read_wav(path)
    msg = one_line(e)
    assert f"{path}: its header says 32-bit integer PCM, but its samples are 32-bit floats" in msg
    fixed = tmp_path / "fixed.wav"
    fix = msg.split("Write it again as float: ")[1]  # the fix named gives the floats back
    exec(fix, {"scipy": scipy, "np": np, "path": str(path), "new_path": str(fixed)})
    np.testing.assert_allclose(read_wav(fixed)[0].numpy(), wave, atol=1e-7)
    # genuine 32-bit integer PCM, quiet or loud, noise or a tone with an offset, is read as it was
    rng = np.random.default_rng(0)
    for x in (1e-4 * np.sin(2 * np.pi * 440 * t), 0.99 * np.sin(2 * np.pi * 440 * t), rng.uniform(-0.5, 0.5, 4000),
              0.3 + 0.15 * np.sin(2 * np.pi * 440 * t)):
        path.write_bytes(_wav32(np.round(x * (2**31 - 1)).astype("<i4")))
        np.testing.assert_allclose(read_wav(path)[0].numpy(), x, atol=1e-7)


def elnino_long():
    """statsmodels' El Niño sea temperatures (61 years x 12 months) as a long table, one row per (year, month) of
    January to November, the month an ordered Categorical of its names; December's temperature, by year."""
    import pandas as pd

    sm = pytest.importorskip("statsmodels.api")
    wide = sm.datasets.elnino.load_pandas().data
    months = list(wide.columns[1:])
    long = wide.melt(id_vars="YEAR", var_name="month", value_name="temp").query("month != 'DEC'")
    long["month"] = pd.Categorical(long["month"], categories=months, ordered=True)
    return long.sort_values(["YEAR", "month"]).set_index(["YEAR", "month"]), wide.set_index("YEAR")["DEC"], \
        wide[months[:11]].to_numpy()


TINY_FIXED = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=16, lr=1e-2,
                      lr_schedule=None, pooling="final", frontend=None, stride=1, normalise=None, random_state=0,
                      device="cpu")


def test_E18_05_a_time_level_of_ordered_categories_is_read_in_their_order():
    import pandas as pd

    import rnnkit
    from rnnkit.estimators import as_sequences

    X, y, wide = elnino_long()  # before: "X's index levels look swapped ... X.swaplevel()", which makes 11
    x, lengths, _ = as_sequences(X, "fit")  # instances of the months
    np.testing.assert_array_equal(x[..., 0].numpy(), wide)  # float64, as given (T30-01)
    assert lengths.tolist() == [11] * 61
    fitted = rnnkit.SequenceRegressor(**TINY_FIXED).fit(X, y)
    np.testing.assert_array_equal(fitted.predict(X), rnnkit.SequenceRegressor(**TINY_FIXED).fit(
        wide, y.to_numpy()).predict(wide))
    unordered = X.set_axis(X.index.set_levels(X.index.levels[1].as_unordered(), level=1))
    with pytest.raises(ValueError) as e:
        as_sequences(unordered, "fit")
    assert "X's time level is an unordered Categorical (categories ['JAN', 'FEB', 'MAR', 'APR'], ...), which has " \
           "no order in time; if its categories are in time order, make it ordered: X.index = X.index.set_levels(" \
           "X.index.levels[1].as_ordered(), level=1)" in one_line(e)
    # categories of numbers in an order of their own: X.sort_index() (the fix named before) sorted the steps so
    steps = pd.Categorical([0, 1, 2, 0, 1, 2], categories=[2, 0, 1])
    X = pd.DataFrame({"v": [1.0, 2, 3, 4, 5, 6]}, index=pd.MultiIndex.from_arrays([[0, 0, 0, 1, 1, 1], steps]))
    with pytest.raises(ValueError) as e:  # before: X.sort_index() read as [3, 1, 2], [6, 4, 5] without a word
        as_sequences(X.sort_index(), "fit")
    fix = one_line(e).split("make it the values it holds: ")[1]
    assert fix == "X.index = X.index.set_levels(X.index.levels[1].astype('int64'), level=1)"
    sorted_ = X.sort_index()
    exec(fix, {"X": sorted_})
    np.testing.assert_array_equal(as_sequences(sorted_.sort_index(), "fit")[0][..., 0].numpy(), [[1, 2, 3], [4, 5, 6]])


def test_E18_06_month_names_as_text_are_named_with_the_numbers_that_order_them():
    import rnnkit
    from rnnkit.estimators import as_sequences

    X, y, wide = elnino_long()
    text = X.set_axis(X.index.set_levels(X.index.levels[1].astype(str), level=1)).sort_index()  # APR, AUG, ...
    with pytest.raises(ValueError) as e:  # before: "look swapped ... X.swaplevel()" (years, then months as text)
        rnnkit.SequenceRegressor(**TINY_FIXED).fit(text, y)
    msg = one_line(e)
    assert "X's time level holds month names (e.g. 'APR'), whose order as text is alphabetical" in msg
    fix = msg.split("give their numbers: ")[1]
    assert fix.startswith("X = X.rename(index={'JAN': 1, 'FEB': 2, 'MAR': 3,") and \
        fix.endswith("'NOV': 11, 'DEC': 12}, level=1), then sort them (X.sort_index())")
    scope = {"X": text}
    exec(fix.split(", then")[0], scope)
    np.testing.assert_array_equal(as_sequences(scope["X"].sort_index(), "fit")[0][..., 0].numpy(), wide)
    # with station names for instances (no years to look swapped), the advice was pd.to_datetime, which fails
    named = text.rename(index=lambda year: f"y{int(year)}", level=0)
    with pytest.raises(ValueError) as e:
        as_sequences(named, "fit")
    assert "X's time level holds month names (e.g. 'APR')" in one_line(e)


def test_E18_07_month_numbers_as_text_are_named_with_a_conversion_that_works():
    from rnnkit.estimators import as_sequences

    X, _, wide = elnino_long()
    X = X.set_axis(X.index.set_levels([str(k) for k in range(1, 13)], level=1)).sort_index()  # '1', '10', '11', ...
    with pytest.raises(ValueError) as e:  # before: "... (e.g. X.index.set_levels(pd.to_datetime(X.index.levels[1]),
        as_sequences(X, "fit")           # level=1))", whose pd.to_datetime refuses '1' (and which assigns nothing)
    msg = one_line(e)
    fix = msg.split("they are numbers: ")[1]
    assert fix == "X.index = X.index.set_levels(pd.to_numeric(X.index.levels[1]), level=1), then sort them " \
                  "(X.sort_index())"
    scope = {"X": X, "pd": __import__("pandas")}
    exec(fix.split(", then")[0], scope)
    np.testing.assert_array_equal(as_sequences(scope["X"].sort_index(), "fit")[0][..., 0].numpy(), wide)


def vega_stock_years():
    """vega_datasets' monthly prices of five stocks cut into years 2001-2009 with all 12 months (41 sequences,
    ids 'MSFT 2001', ...: a long table in the data set's order), and each year's symbol by id, sorted by id."""
    vega = pytest.importorskip("vega_datasets")
    stocks = vega.local_data.stocks()
    stocks = stocks[stocks["date"].dt.year.between(2001, 2009)]
    stocks = stocks.assign(id=stocks["symbol"] + " " + stocks["date"].dt.year.astype(str))
    stocks = stocks[stocks.groupby("id")["price"].transform("size") == 12]
    return stocks.set_index(["id", "date"])[["price"]], stocks.groupby("id")["symbol"].first()


def test_E18_08_a_y_indexed_by_other_ids_than_xs_is_named_with_a_fix_that_works():
    import rnnkit

    X, y = vega_stock_years()
    with pytest.raises(ValueError) as e:  # before: "reorder it with y.loc[instances]", a KeyError on the 3 lacking
        rnnkit.SequenceClassifier(**TINY_FIXED).fit(X, y.drop(["MSFT 2007", "IBM 2003", "GOOG 2008"]))
    assert "y's index ('AAPL 2001', 'AAPL 2002', 'AAPL 2003', ...) lacks 3 of X's instances ('MSFT 2007', " \
           "'IBM 2003', 'GOOG 2008'); give y a value for each of X's instances (X.index.unique(level=0)), matched by " \
           "id" in one_line(e)
    part = X[X.index.get_level_values(0).str.startswith(("MSFT", "IBM"))]  # a part of the set; y the whole set's
    with pytest.raises(ValueError) as e:
        rnnkit.SequenceClassifier(**TINY_FIXED).fit(part, y)
    fix = one_line(e).split("keep X's, in X's order: ")[1]
    assert "it also holds 23 id(s) that X has not ('AAPL 2001', 'AAPL 2002', 'AAPL 2003', ...)" in one_line(e)
    kept = eval(fix, {"y": y, "X": part})
    assert kept.tolist() == ["MSFT"] * 9 + ["IBM"] * 9
    assert rnnkit.SequenceClassifier(**TINY_FIXED).fit(part, kept).classes_.tolist() == ["IBM", "MSFT"]
