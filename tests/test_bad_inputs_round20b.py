"""The twentieth round's command line cases on real labelled sequences as a new user writes them to files:
sktime's seatbelts (UK road casualties by month, a sequence per year labelled by the seat-belt law, dates as the
time), mitdb (an ECG, its beats tagged per step) and statsmodels' elnino (sea temperatures, a wide CSV of a row
per year). C20-01: an id column named like a time axis beside a column ``id`` (the flags swapped); C20-02: a
time-named column of dates read as a feature because --time-column names another column; C20-03: a file in the
other layout than the model's training file."""
import numpy as np
import pandas as pd
import pytest

from rnnkit.cli import main

sktime_data = pytest.importorskip("sktime.datasets").__file__.rsplit("/", 1)[0] + "/data"
QUICK = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "8"]


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


@pytest.fixture(scope="module")
def seatbelts(tmp_path_factory):
    """A long CSV: a sequence per year, 12 months dated, two features, the law in force as a boolean label."""
    d = tmp_path_factory.mktemp("seat")
    s = pd.read_csv(f"{sktime_data}/seatbelts/seatbelts.csv")
    s.columns = ["date", "KSI", "label"]
    year = s["date"].str[:4]
    frame = pd.DataFrame({"id": "y" + year, "date": s["date"], "KSI": s["KSI"], "KSI_k": s["KSI"] / 1000,
                          "target": s.groupby(year)["label"].transform("max").astype(bool)})
    frame.to_csv(d / "seat.csv", index=False)
    return d


@pytest.fixture(scope="module")
def ecg(tmp_path_factory):
    """mitdb's last 2500 readings (where its beats are) as a long CSV: 10 sequences of 250 steps, numbered ids,
    the beat label per step as text."""
    d = tmp_path_factory.mktemp("ecg")
    m = pd.read_csv(f"{sktime_data}/mitdb/mitdb.csv").iloc[5000:].reset_index(drop=True)
    n = np.arange(len(m))
    pd.DataFrame({"id": n // 250, "t": n % 250, "mv": m["data"],
                  "target": np.where(m["label"] == 1, "beat", "normal")}).to_csv(d / "ecg.csv", index=False)
    return d


def test_c20_01_an_id_column_named_like_time_beside_an_id_column_is_refused(capsys, ecg, tmp_path):
    data = str(ecg / "ecg.csv")
    for flags, role in ((["--id-column", "t", "--time-column", "id"], "the time column"),
                        (["--id-column", "t"], "a feature")):
        err = _error(capsys, ["train", data, "--task", "tag", *flags, "--out", str(tmp_path / "m"), *QUICK])
        assert (f"ecg.csv: the id column 't' is named like a time axis, while the column 'id' is read as {role}: "
                "the rows sharing a 't' value would be one sequence") in err
        assert "pass --id-column id --time-column t" in err
        assert not (tmp_path / "m").exists()
    assert main(["train", data, "--task", "tag", "--time-column", "t", "--out", str(tmp_path / "m"), *QUICK]) == 0


def test_c20_02_a_date_column_read_as_a_feature_under_another_time_column_names_the_flag(capsys, seatbelts,
                                                                                          tmp_path):
    err = _error(capsys, ["train", str(seatbelts / "seat.csv"), "--task", "classify", "--time-column", "KSI",
                          "--out", str(tmp_path / "m"), *QUICK])
    assert err.endswith("seat.csv: column 'date' is named like a time axis and holds text ('1969-01-01' on line 2), "
                        "but --time-column names another column, 'KSI', so it would be read as a feature, which "
                        "must be numbers; pass --time-column date to sort each sequence's rows by it ('KSI' is then "
                        "read as a feature) (or convert or drop the column if it is a feature)"), err


def test_c20_03_a_file_of_the_other_layout_names_the_models_layout_and_columns(capsys, seatbelts, ecg, tmp_path):
    e = pytest.importorskip("statsmodels.datasets").elnino.load_pandas().data
    months = list(e.columns[1:13])
    wide = e[months].assign(target=e[months].mean(axis=1).shift(-1)).dropna()[["target", *months]]
    wide.to_csv(tmp_path / "elnino.csv", index=False)
    seat, long_model, wide_model = str(seatbelts / "seat.csv"), str(tmp_path / "seat"), str(tmp_path / "eln")
    assert main(["train", seat, "--task", "classify", "--time-column", "date", "--out", long_model, *QUICK]) == 0
    assert main(["train", str(tmp_path / "elnino.csv"), "--layout", "wide", "--task", "regress", "--out", wide_model,
                 *QUICK]) == 0
    capsys.readouterr()
    err = _error(capsys, ["predict", long_model, str(tmp_path / "elnino.csv"), "--out", str(tmp_path / "p.csv")])
    assert ("elnino.csv has no id column 'id' and no time column 'date', which " in err
            and "(recorded in " in err and "a long CSV, a row per step, features ['KSI', 'KSI_k']); the file has "
            "['target', 'JAN'," in err and "it looks like a wide CSV (a row per sequence)" in err), err
    err = _error(capsys, ["evaluate", long_model, str(ecg / "ecg.csv")])
    assert "ecg.csv has no time column 'date', which " in err, err
    err = _error(capsys, ["predict", wide_model, str(ecg / "ecg.csv"), "--out", str(tmp_path / "p.csv")])
    assert ("ecg.csv has a column 'id', as a long CSV (a row per step) has, but " in err
            and "was trained on a wide CSV" in err and "reads each line as a sequence: give a wide CSV" in err), err
    assert not (tmp_path / "p.csv").exists()
    # the files of the models' own layouts still predict
    assert main(["predict", wide_model, str(tmp_path / "elnino.csv"), "--out", str(tmp_path / "w.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "w.csv")) == len(wide)
    assert main(["predict", long_model, seat, "--out", str(tmp_path / "s.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "s.csv")) == 16


@pytest.fixture(scope="module")
def yahoo(tmp_path_factory):
    """sktime's yahoo anomalies as an .npz: 10 sequences of 100 steps, one feature, an anomaly flag per step."""
    d = tmp_path_factory.mktemp("yahoo")
    y = pd.read_csv(f"{sktime_data}/yahoo/yahoo.csv")
    np.savez(d / "yahoo.npz", X=y["data"].to_numpy(np.float32).reshape(10, 100, 1),
             y=y["label"].to_numpy().reshape(10, 100))
    return d


def test_c20_04_an_npz_model_given_other_features_says_x_shape_not_column_names(capsys, yahoo, ecg, tmp_path):
    model = str(tmp_path / "m")
    assert main(["train", str(yahoo / "yahoo.npz"), "--task", "tag", "--out", model, *QUICK]) == 0
    capsys.readouterr()
    with np.load(yahoo / "yahoo.npz") as z:
        np.savez(tmp_path / "two.npz", X=np.repeat(z["X"], 2, axis=2), y=z["y"])
    for command in (["predict", model, str(tmp_path / "two.npz"), "--out", str(tmp_path / "p.csv")],
                    ["evaluate", model, str(tmp_path / "two.npz")]):
        err = _error(capsys, command)
        assert err.endswith("two.npz: X holds 2 feature(s) per step, but " + model + " was trained on an .npz whose "
                            "X holds 1 (read by position as ['x0']): give X of shape (n, T, 1), its features in the "
                            "order at training"), err
    err = _error(capsys, ["evaluate", model, str(ecg / "ecg.csv"), "--time-column", "t"])
    assert err.endswith("ecg.csv: " + model + " was trained on an .npz, whose features have no names (read by "
                        "position as ['x0']), so the CSV's columns ['mv'] cannot be matched to them: give an .npz "
                        "with X of shape (n, T, 1) (or train the model on CSV files)"), err
    assert main(["predict", model, str(yahoo / "yahoo.npz"), "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 1000


def test_c20_05_rnnkit_serve_on_loopback_names_the_features_of_a_wrong_count(capsys, seatbelts, tmp_path,
                                                                             monkeypatch):
    import threading

    import httpx
    import uvicorn

    model = str(tmp_path / "m")
    assert main(["train", str(seatbelts / "seat.csv"), "--task", "classify", "--time-column", "date", "--out",
                 model, *QUICK]) == 0
    assert main(["predict", model, str(seatbelts / "seat.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    servers = []

    def run(app, *, host, port, log_level):  # uvicorn.run, with a handle to stop the server
        servers.append(uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level)))
        servers[0].run()

    monkeypatch.setattr(uvicorn, "run", run)
    thread = threading.Thread(target=main, args=(["serve", model, "--port", "0"],), daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if servers and servers[0].started:
                break
            threading.Event().wait(0.05)
        host, port = servers[0].servers[0].sockets[0].getsockname()[:2]
        assert host == "127.0.0.1"
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/model", timeout=30).json()["features"] == ["KSI", "KSI_k"]
        frame = pd.read_csv(seatbelts / "seat.csv")
        first = frame[frame["id"] == "y1969"][["KSI", "KSI_k"]].to_numpy().tolist()
        r = httpx.post(f"{url}/predict", json={"sequences": [first]}, timeout=30)
        assert r.status_code == 200
        assert r.json()["predictions"] == [pd.read_csv(tmp_path / "p.csv")["prediction"].iloc[0]]
        r = httpx.post(f"{url}/predict", json={"sequences": [[[1687.0, 1.687, 0.0]] * 12]}, timeout=30)
        assert r.status_code == 422
        # round 41 (S41-01) added the fix after the names: "; give each step the 2 features ... alone ..."
        assert r.json()["detail"].startswith("sequence 0, step 0 has 3 features; the model reads 2: ['KSI', 'KSI_k'] "
                                             "(GET /model), in that order; give each step the 2 features")
    finally:
        if servers:
            servers[0].should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_c20_06_classify_on_a_target_of_measurements_names_the_file_line_and_task(capsys, tmp_path):
    e = pytest.importorskip("statsmodels.datasets").elnino.load_pandas().data
    months = list(e.columns[1:13])
    wide = e[months].assign(target=e[months].mean(axis=1).shift(-1)).dropna()[["target", *months]]
    wide.to_csv(tmp_path / "elnino.csv", index=False)
    err = _error(capsys, ["train", str(tmp_path / "elnino.csv"), "--layout", "wide", "--task", "classify", "--out",
                          str(tmp_path / "m"), *QUICK])
    first = pd.read_csv(tmp_path / "elnino.csv", dtype=str)["target"].iloc[0]
    assert err.endswith(f"elnino.csv: the target column 'target' holds numbers that are not whole (line 2 has "
                        f"{first!r}; 60 such cells in all), which --task classify would read as class labels, a "
                        "class per value; use --task regress to predict a number, or bin the values into classes "
                        "first"), err
    assert not (tmp_path / "m").exists()
    wide.assign(target=(wide["target"] > wide["target"].median()).astype(int)).to_csv(tmp_path / "warm.csv",
                                                                                      index=False)
    assert main(["train", str(tmp_path / "warm.csv"), "--layout", "wide", "--task", "classify", "--out",
                 str(tmp_path / "m"), *QUICK]) == 0


def test_c20_07_a_wide_csv_that_keeps_its_year_or_id_column_is_refused_not_read_as_a_step(capsys, tmp_path):
    from rnnkit.data import read_sequences

    e = pytest.importorskip("statsmodels.datasets").elnino.load_pandas().data
    months = list(e.columns[1:13])
    e = e.assign(target=e[months].mean(axis=1).shift(-1)).dropna()
    e.to_csv(tmp_path / "year.csv", index=False)  # YEAR, JAN ... DEC, target: the table as statsmodels has it
    e.rename(columns={"YEAR": "id"}).to_csv(tmp_path / "id.csv", index=False)
    for name, column, kind in (("year.csv", "YEAR", "a time axis"), ("id.csv", "id", "a sequence id")):
        err = _error(capsys, ["train", str(tmp_path / name), "--layout", "wide", "--task", "regress", "--out",
                              str(tmp_path / "m"), *QUICK])
        assert err.endswith(f"{name}: column {column!r} is named like {kind}, but a wide CSV (a row per sequence) "
                            "reads every column besides the target as a step of its one feature, so its values "
                            f"(1950.0 on line 2) would be read as steps; drop it, e.g. pd.read_csv(path).drop("
                            f"columns=[{column!r}]).to_csv(new_path, index=False) (the rows are the sequences, "
                            "numbered from 1)"), err
        assert not (tmp_path / "m").exists()
    with pytest.raises(ValueError, match="column 'YEAR' is named like a time axis"):
        read_sequences(tmp_path / "year.csv", layout="wide")
    pd.read_csv(tmp_path / "year.csv").drop(columns=["YEAR"]).to_csv(tmp_path / "fixed.csv", index=False)
    table = read_sequences(tmp_path / "fixed.csv", layout="wide")  # the fix given reads 12 months a year
    assert [len(x) for x in table.X] == [12] * len(e)
    np.testing.assert_allclose(table.X[0][:, 0], e[months].iloc[0], rtol=1e-6)


def test_c20_08_an_id_or_label_written_on_each_sequences_first_row_only_says_fill_it_down(capsys, seatbelts,
                                                                                          tmp_path):
    frame = pd.read_csv(seatbelts / "seat.csv", dtype=str)
    first = ~frame["id"].duplicated()
    frame.assign(target=frame["target"].where(first)).to_csv(tmp_path / "label.csv", index=False)
    frame.assign(id=frame["id"].where(first)).to_csv(tmp_path / "id.csv", index=False)
    args = ["--task", "classify", "--time-column", "date", "--out", str(tmp_path / "m"), *QUICK]
    err = _error(capsys, ["train", str(tmp_path / "label.csv"), *args])
    assert err.endswith("label.csv: sequence 'y1969' (line 3): the target column 'target' is empty (176 empty in all); "
                        "fill them in or drop the rows; it is written on the first row of each sequence only (as a "
                        "spreadsheet's merged cells): fill it down, e.g. df['target'] = df.groupby('id')['target']"
                        ".ffill(), then save the file again"), err
    err = _error(capsys, ["train", str(tmp_path / "id.csv"), *args])
    assert err.endswith("id.csv: the id column 'id' is empty at lines 3, 4, 5, 6, 7 (and 171 more); every row needs "
                        "the id of its sequence; it is written on the first row of each sequence only (as a "
                        "spreadsheet's merged cells): fill it down, e.g. df['id'] = df['id'].ffill(), then save the "
                        "file again"), err
    gap = frame.copy()  # one cell missing is a gap, not the spreadsheet's habit: the words as before
    gap.loc[5, "target"] = None
    gap.to_csv(tmp_path / "gap.csv", index=False)
    assert _error(capsys, ["train", str(tmp_path / "gap.csv"), *args]).endswith(
        "gap.csv: sequence 'y1969' (line 7): the target column 'target' is empty (1 empty in all); fill them in or "
        "drop the rows")
    df = pd.read_csv(tmp_path / "id.csv", dtype=str)  # the fix given reads the original sequences
    df["id"] = df["id"].ffill()
    df.to_csv(tmp_path / "filled.csv", index=False)
    assert main(["train", str(tmp_path / "filled.csv"), *args]) == 0
    assert json_n(tmp_path / "m") == 16


def json_n(model) -> int:
    import json

    metrics = json.loads((model / "metrics.json").read_text())
    return metrics["n_train"] + metrics["n_test"]


def test_c20_09_evaluate_of_a_regressor_on_text_targets_names_the_model_not_a_flag_it_lacks(capsys, seatbelts,
                                                                                            tmp_path):
    frame = pd.read_csv(seatbelts / "seat.csv")
    frame.assign(target=frame.groupby("id")["KSI"].transform("sum") / 1000).to_csv(tmp_path / "r.csv", index=False)
    model = str(tmp_path / "m")
    assert main(["train", str(tmp_path / "r.csv"), "--task", "regress", "--time-column", "date", "--out", model,
                 *QUICK]) == 0
    capsys.readouterr()
    err = _error(capsys, ["evaluate", model, str(seatbelts / "seat.csv")])  # the law's booleans, not casualties
    assert err.endswith("seat.csv: the target column 'target' is not numeric (line 2 has 'False'; 192 such cells in "
                        f"all), and the SequenceRegressor {model} scores numbers; give a file whose target column "
                        "holds the numbers it predicts (--target-column names another column)"), err
    assert "--task" not in err
