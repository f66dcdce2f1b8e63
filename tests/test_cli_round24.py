"""The twenty-fourth round's command line cases (E24-*), on real labelled sets as their archives and a new user
write them to files: sktime's ArrowHead in the UCR archive's own ``.tsv`` (a series a line, its label first, no
header), ACSF1 (home appliances' power by device, 10 text classes) as a header-less long CSV and as an ``.npz``
whose labels are an ``(n, 1)`` column, and Covid3Month (each country's daily deaths, the next month's rate to
regress) as a long CSV dated by a column ``day``."""
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import DataConversionWarning

from rnnkit.cli import main

sktime_data = pytest.importorskip("sktime.datasets").__file__.rsplit("/", 1)[0] + "/data"
QUICK = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "8"]
DEVICES = ["mobile", "coffee", "computer", "fridge", "hifi", "lamp", "laptop", "microwave", "printer", "tv"]


def _error(capsys, argv) -> str:
    capsys.readouterr()  # what earlier calls wrote (train's 'wrote model' line goes to stderr)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def _ts(name: str):
    from sktime.datasets import load_from_tsfile

    return load_from_tsfile(f"{sktime_data}/{name}/{name}_TRAIN.ts", return_data_type="numpy3D")


@pytest.fixture(scope="module")
def acsf1():
    """ACSF1's first 40 devices, every 50th reading (30 steps), labelled by the appliance's name."""
    X, y = _ts("ACSF1")
    return X[:40, 0, ::50].astype(np.float32), np.array([DEVICES[int(v)] for v in y[:40]])


def test_E24_04_the_ucr_archives_headerless_tsv_names_the_missing_header_and_the_wide_layout(capsys, tmp_path):
    ucr = f"{sktime_data}/ArrowHead/ArrowHead_TRAIN.tsv"  # as the UCR archive ships it
    comma = tmp_path / "arrow.csv"  # the archive's older comma-separated files
    comma.write_text(open(ucr).read().replace("\t", ","))
    for path, sep, separated in ((ucr, ", sep='\\t'", " separated by tabs"), (str(comma), "", "")):
        err = _error(capsys, ["train", path, "--layout", "wide", "--task", "classify", "--out",
                              str(tmp_path / "m"), *QUICK])
        assert (f"line 1 holds numbers ('0', '-1.9630089', '-1.9578249', ... 252 fields{separated}), not column "
                "names: the file has no header row") in err, err
        assert (f"pd.read_csv(path{sep}, header=None).rename(columns={{0: 'target'}}).to_csv(new_path, index=False), "
                "then read new_path with --layout wide") in err
        assert len(err) < 700  # not the 251 values of the first series, as the header before
    fixed = tmp_path / "fixed.csv"  # the fix named trains on the 36 series
    pd.read_csv(ucr, sep="\t", header=None).rename(columns={0: "target"}).to_csv(fixed, index=False)
    assert main(["train", str(fixed), "--layout", "wide", "--task", "classify", "--out", str(tmp_path / "m"),
                 "--test-fraction", "0", *QUICK]) == 0
    assert (tmp_path / "m" / "config.json").is_file()


def test_E24_04_a_wide_csv_with_step_numbers_for_names_is_still_read(tmp_path):
    X, y = _ts("ArrowHead")
    frame = pd.DataFrame(X[:12, 0, ::10], columns=[str(k) for k in range(26)]).assign(target=y[:12])
    frame.to_csv(tmp_path / "w.csv", index=False)
    assert main(["train", str(tmp_path / "w.csv"), "--layout", "wide", "--task", "classify", "--out",
                 str(tmp_path / "m"), "--test-fraction", "0", *QUICK]) == 0


def test_E24_05_a_headerless_long_csv_says_it_has_no_header(capsys, acsf1, tmp_path):
    X, labels = acsf1
    n, T = X.shape
    long = pd.DataFrame({"id": np.repeat([f"dev{i:03d}" for i in range(n)], T), "t": np.tile(np.arange(T), n),
                         "power": X.ravel(), "target": np.repeat(labels, T)})
    long.to_csv(tmp_path / "acsf1.csv", index=False, header=False)
    for command in (["train", str(tmp_path / "acsf1.csv"), "--task", "classify", "--out", str(tmp_path / "m")],
                    ["evaluate", str(tmp_path / "m2"), str(tmp_path / "acsf1.csv")]):
        if command[0] == "evaluate":  # a model of the same file with its header
            long.to_csv(tmp_path / "ok.csv", index=False)
            assert main(["train", str(tmp_path / "ok.csv"), "--task", "classify", "--time-column", "t", "--out",
                         str(tmp_path / "m2"), *QUICK]) == 0
            capsys.readouterr()
        err = _error(capsys, [*command, "--time-column", "t"] + (QUICK if command[0] == "train" else []))
        assert (f"acsf1.csv: column(s) ['id', 't', 'target'] not found, and line 1, ['dev000', '0', "
                f"'{long['power'][0]!s}', '{labels[0]}'], holds values ('{long['power'][0]!s}') where the header "
                "belongs") in err, err
        assert "the file has no header row; write one naming the columns, e.g. pd.read_csv(path, header=None)" \
               ".set_axis(['id', 't', 'target', ...], axis=1)" in err


def test_E24_06_an_npz_of_labels_in_a_column_trains_a_classifier(capsys, acsf1, tmp_path):
    X, labels = acsf1
    np.savez(tmp_path / "acsf1.npz", X=X[:, :, None], y=labels[:, None])  # (n, 1), as a column vector
    model = str(tmp_path / "m")
    with pytest.warns(DataConversionWarning, match=r"acsf1.npz reads y of shape \(40, 1\) as one label per item"):
        assert main(["train", str(tmp_path / "acsf1.npz"), "--task", "classify", "--out", model, *QUICK]) == 0
    assert "Traceback" not in capsys.readouterr().err
    import rnnkit

    assert sorted(rnnkit.load(model).classes_) == sorted(set(labels))
    assert main(["predict", model, str(tmp_path / "acsf1.npz"), "--out", str(tmp_path / "p.csv")]) == 0
    assert pd.read_csv(tmp_path / "p.csv")["prediction"].isin(labels).all()


def test_E24_07_a_column_of_dates_not_named_as_time_names_time_column(capsys, tmp_path):
    from sktime.datasets import load_from_tsfile

    X, y = load_from_tsfile(f"{sktime_data}/Covid3Month/Covid3Month_TRAIN.ts", return_data_type="numpy3D")
    X, y = X[:20, 0, -14:], y[:20].astype(float)  # each country's last two weeks
    n, T = X.shape
    days = pd.date_range("2020-04-01", periods=T).strftime("%Y-%m-%d")
    frame = pd.DataFrame({"country": np.repeat([f"c{i:02d}" for i in range(n)], T), "day": np.tile(days, n),
                          "deaths": X.ravel(), "target": np.repeat(y, T)})
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "covid.csv", index=False)  # rows in any order
    err = _error(capsys, ["train", str(tmp_path / "covid.csv"), "--task", "regress", "--id-column", "country",
                          "--out", str(tmp_path / "m"), *QUICK])
    assert "covid.csv: feature column 'day' holds dates (line 2 has '2020-04-" in err
    assert ("if it is the time of each step, pass --time-column day (time_column='day') to sort each sequence's "
            "rows by it, else drop it") in err
    assert main(["train", str(tmp_path / "covid.csv"), "--task", "regress", "--id-column", "country",
                 "--time-column", "day", "--out", str(tmp_path / "m"), *QUICK]) == 0


def _long(X, labels, times) -> pd.DataFrame:
    n, T = X.shape
    return pd.DataFrame({"id": np.repeat([f"dev{i:03d}" for i in range(n)], T), "t": np.tile(times, n),
                         "power": X.ravel(), "target": np.repeat(labels, T)})


def test_E24_10_durations_as_pandas_writes_them_order_the_steps_and_clock_times_are_named(capsys, acsf1, tmp_path):
    X, labels = acsf1
    seconds = np.arange(30) * 10
    frame = _long(X, labels, seconds)
    frame.to_csv(tmp_path / "s.csv", index=False)
    reference = str(tmp_path / "ref")
    assert main(["train", str(tmp_path / "s.csv"), "--task", "classify", "--time-column", "t", "--out", reference,
                 *QUICK]) == 0
    assert main(["predict", reference, str(tmp_path / "s.csv"), "--out", str(tmp_path / "ref.csv")]) == 0
    shuffled = frame.sample(frac=1, random_state=1)
    for written in (pd.to_timedelta(shuffled["t"], unit="s"),  # '0 days 00:00:10', as to_csv writes a Timedelta
                    shuffled["t"].astype(str) + "s"):  # '10s'
        shuffled.assign(t=written).to_csv(tmp_path / "d.csv", index=False)
        assert main(["predict", reference, str(tmp_path / "d.csv"), "--out", str(tmp_path / "d_pred.csv")]) == 0
        got, expected = (pd.read_csv(tmp_path / f).sort_values("id", ignore_index=True)
                         for f in ("d_pred.csv", "ref.csv"))  # sequences in the order of their first rows
        assert got["prediction"].tolist() == expected["prediction"].tolist()
        np.testing.assert_allclose(got.iloc[:, 2:].to_numpy(), expected.iloc[:, 2:].to_numpy(), atol=1e-6)
    minutes = (23 * 60 + 50 + np.arange(30)) % (24 * 60)  # 23:50 to 00:19
    clock = [f"{m // 60:02d}:{m % 60:02d}:00" for m in minutes]
    _long(X, labels, clock).to_csv(tmp_path / "c.csv", index=False)
    err = _error(capsys, ["train", str(tmp_path / "c.csv"), "--task", "classify", "--time-column", "t", "--out",
                          str(tmp_path / "m"), *QUICK])
    assert ("c.csv: the time column 't' holds times written as H:MM:SS (line 2 has '23:50:00'), which are clock "
            "times (that start again at midnight) or durations, and sort differently; write elapsed time as "
            "numbers, e.g. df['t'] = pd.to_timedelta(df['t']).dt.total_seconds()") in err


def test_E24_11_local_times_repeated_where_daylight_saving_ends_name_the_clock(capsys, acsf1, tmp_path):
    X, labels = acsf1
    local = pd.date_range("2020-10-25 01:30", periods=30, freq="5min", tz="Europe/Berlin").tz_localize(None)
    _long(X, labels, local.strftime("%Y-%m-%d %H:%M")).to_csv(tmp_path / "local.csv", index=False)
    err = _error(capsys, ["train", str(tmp_path / "local.csv"), "--task", "classify", "--time-column", "t",
                          "--out", str(tmp_path / "m"), *QUICK])
    assert ("local.csv: sequence 'dev000' has time '2020-10-25 02:00' more than once (lines 8, 20); each (id, time) "
            "must be unique: the clock set back an hour at night: local time where daylight saving time ends") in err
    assert "drop or aggregate" not in err
    # written with their offsets, the two 02:00 are two times an hour apart
    aware = pd.date_range("2020-10-25 01:30", periods=30, freq="5min", tz="Europe/Berlin")
    _long(X, labels, [t.isoformat() for t in aware]).to_csv(tmp_path / "aware.csv", index=False)
    assert main(["train", str(tmp_path / "aware.csv"), "--task", "classify", "--time-column", "t", "--out",
                 str(tmp_path / "m"), *QUICK]) == 0
    # a step truly given twice keeps its words
    twice = _long(X, labels, np.arange(30))
    pd.concat([twice, twice.iloc[[3]]]).to_csv(tmp_path / "twice.csv", index=False)
    err = _error(capsys, ["train", str(tmp_path / "twice.csv"), "--task", "classify", "--time-column", "t",
                          "--out", str(tmp_path / "m2"), *QUICK])
    assert "drop or aggregate the duplicates (2 duplicated rows in all)" in err


def test_E24_12_a_copy_of_the_label_column_among_the_features_is_warned_of_once(capsys, acsf1, tmp_path):
    X, labels = acsf1
    frame = _long(X, labels, np.arange(30))
    codes = {name: k for k, name in enumerate(DEVICES)}
    frame.assign(code=frame["target"].map(codes)).to_csv(tmp_path / "coded.csv", index=False)
    with pytest.warns(UserWarning) as caught:
        assert main(["train", str(tmp_path / "coded.csv"), "--task", "classify", "--time-column", "t", "--out",
                     str(tmp_path / "m"), *QUICK]) == 0
    said = [str(w.message) for w in caught if "holds each sequence's target" in str(w.message)]
    assert len(said) == 1, said  # the file's words, not the estimator's beside them
    assert ("coded.csv: column 'code' holds each sequence's target: it is constant within every one of the 40 "
            "sequences and has one value per class of the target") in said[0]
    assert ("a copy of the target column 'target' left among the features? drop it: pd.read_csv(path).drop(columns="
            "['code']).to_csv(new_path, index=False)") in said[0]
    assert (tmp_path / "m").is_dir()


def test_E24_13_a_wide_csv_that_keeps_an_id_column_of_another_name_is_refused(capsys, acsf1, tmp_path):
    X, labels = acsf1
    wide = pd.DataFrame(X, columns=[f"t{k}" for k in range(X.shape[1])]).assign(target=labels)
    for name, ids in (("case_id", np.arange(1, 41)), ("subject", np.arange(101, 141)),
                      ("case", [f"dev{i:03d}" for i in range(40)])):
        wide.assign(**{name: ids})[[name, *wide.columns]].to_csv(tmp_path / "w.csv", index=False)
        err = _error(capsys, ["train", str(tmp_path / "w.csv"), "--layout", "wide", "--task", "classify", "--out",
                              str(tmp_path / "m"), *QUICK])
        assert (f"w.csv: column {name!r} is named like a sequence id, but a wide CSV (a row per sequence) reads every "
                "column besides the target as a step of its one feature") in err, err
        assert f"pd.read_csv(path).drop(columns=[{name!r}]).to_csv(new_path, index=False)" in err
    wide.to_csv(tmp_path / "w.csv", index=False)  # the fix trains
    assert main(["train", str(tmp_path / "w.csv"), "--layout", "wide", "--task", "classify", "--out",
                 str(tmp_path / "m"), *QUICK]) == 0
