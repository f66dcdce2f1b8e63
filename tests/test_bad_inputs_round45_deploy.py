"""Forty-fifth round: deployment's model load as a user's own files bring it: a torch.save file (.pt, .pth) or a
pickle given to rnnkit.load, a folder without config.json (empty, of data files, of torch.save files, or a run's
folder above the model directory)."""

import pickle
import re
import shutil

import pytest
import torch

import rnnkit


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    import warnings

    from helpers import deploy_classifier, deploy_data

    X, y = deploy_data()
    d = tmp_path_factory.mktemp("s45") / "model"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rnnkit.save(deploy_classifier(X, y), d)
    return d


# legacy: torch.save's format before torch 1.6, a pickle that opens with torch's magic number: PyTorch's, not
# pickle.dump's
@pytest.mark.parametrize("name, whole, legacy", [("model.pt", False, False), ("net.pth", True, False),
                                                 ("model.pt", False, True)])
def test_S45_01_a_torch_save_file_is_told_it_is_no_archive_to_unpack(tmp_path, name, whole, legacy):
    net = torch.nn.LSTM(3, 4)
    torch.save(net if whole else net.state_dict(), tmp_path / name, _use_new_zipfile_serialization=not legacy)
    # was: "it is a zip archive; unpack it first (shutil.unpack_archive(...))": unpacked, it holds no config.json
    with pytest.raises(ValueError, match=r"it is a PyTorch file \(torch\.save: a module or a state_dict\), which "
                                         r"load never reads \(unpickling runs code\); read it with torch\.load\(path, "
                                         r"weights_only=True\) into the module that wrote it") as e:
        rnnkit.load(tmp_path / name)
    assert "unpack_archive" not in str(e.value)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_S45_01_a_pickle_is_told_load_reads_none(tmp_path, protocol):
    with open(tmp_path / "model.pkl", "wb") as f:
        pickle.dump({"estimator": None}, f, protocol=protocol)
    # was: "is not a directory; expected an rnnkit model directory written by save()": what it is, unsaid
    with pytest.raises(ValueError, match=r"it is a Python pickle \(pickle\.dump, joblib\.dump\), which load never "
                                         r"reads .*save\(\) it; load reads the directory save\(estimator, directory\) "
                                         r"writes \(config\.json, model\.safetensors\)"):
        rnnkit.load(tmp_path / "model.pkl")


def test_S45_01_a_zipped_model_directory_is_still_told_to_unpack(tmp_path, saved):
    packed = shutil.make_archive(str(tmp_path / "model"), "zip", saved)
    with pytest.raises(ValueError, match=r"it is a zip archive; unpack it first"):
        rnnkit.load(packed)


@pytest.mark.parametrize("files, holds", [([], "it is empty"),
                                          (["x.csv"], "it holds x.csv and no config.json"),
                                          (["a.csv", "b.csv", "c.csv", "d.csv", "e.csv"],
                                           "it holds a.csv, b.csv, c.csv, d.csv, ... and no config.json")])
def test_S45_02_a_folder_without_config_json_says_what_it_holds(tmp_path, files, holds):
    d = tmp_path / "folder"
    d.mkdir()
    for name in files:
        (d / name).write_text("a,b\n1,2\n")
    # was: "cannot read config.json ([Errno 2] No such file or directory: '.../config.json')": no fix
    with pytest.raises(ValueError, match=rf"folder is not an rnnkit model directory: {holds}; give the directory "
                                         r"save\(estimator, directory\) wrote \(it holds config\.json and "
                                         r"model\.safetensors\)") as e:
        rnnkit.load(d)
    assert "Errno" not in str(e.value)


def test_S45_02_a_run_folder_above_the_model_directory_names_it(tmp_path, saved):
    shutil.copytree(saved, tmp_path / "runs" / "exp1" / "model")
    (tmp_path / "runs" / "exp1" / "metrics.csv").write_text("epoch,loss\n0,1\n")
    # was: "cannot read config.json ([Errno 2] ...)": the model two folders down, unsaid
    with pytest.raises(ValueError, match=r"runs is not an rnnkit model directory: it holds no config\.json but "
                                         r"the model directories \['exp1/model'\]; give one of them, e\.g\. "
                                         r"'.*exp1/model'"):
        rnnkit.load(tmp_path / "runs")
    assert rnnkit.load(tmp_path / "runs" / "exp1" / "model").predict([[[0.0, 0.0, 0.0]]]).shape == (1,)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    import warnings

    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.export import export_onnx

    X, y = deploy_data()
    model = deploy_classifier(X, y)
    d = tmp_path_factory.mktemp("s45e") / "model-onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        export_onnx(model, d, verbose=False)
    return model, d


@pytest.mark.parametrize("option", ["threads", "max_streams"])
def test_S45_03_a_streamer_takes_numpys_integers(exported, option):
    import numpy as np

    from rnnkit.deploy.streaming import Streamer

    # was: "threads must be an integer >= 1 (onnxruntime's intra-op threads) or None, got np.int64(2)": an integer
    out = Streamer(exported[1], **{option: np.int64(2)}).step("a", np.zeros(3))
    assert out.probabilities.shape == (2,)


@pytest.mark.parametrize("option, given, said", [("threads", "2", "'2' (text); pass threads=2, an int"),
                                                 ("max_streams", 10.0, "10.0 (a float); pass max_streams=10, an int")])
def test_S45_03_a_streamer_count_as_text_or_a_float_is_told_the_int(exported, option, given, said):
    from rnnkit.deploy.streaming import Streamer

    # was: "... or None (no bound), got 10.0": no int to pass
    with pytest.raises(ValueError, match=rf"Streamer: {option} must be an integer >= 1 .*, got {re.escape(said)}$"):
        Streamer(exported[1], **{option: given})


@pytest.mark.parametrize("option, given, said", [("max_batch", 64.0, "64.0 (a float); pass max_batch=64, an int"),
                                                 ("max_batch", "32", "'32' (text); pass max_batch=32, an int"),
                                                 ("threads", 2.0, "2.0 (a float); pass threads=2, an int")])
def test_S45_03_a_server_count_as_text_or_a_float_is_told_the_int(exported, option, given, said):
    from rnnkit.deploy.server import create_app

    # was: "serve: max_batch must be an integer (...; default 64), got 64.0": no int to pass
    with pytest.raises(ValueError, match=rf"serve: {option} must be an integer .*, got {re.escape(said)}$"):
        create_app(exported[0], **{option: given})


@pytest.mark.parametrize("make", [lambda: rnnkit.SequenceClassifier(), lambda: rnnkit.SequenceTagger(),
                                  lambda: rnnkit.Forecaster(horizon=2),
                                  lambda: rnnkit.GlobalForecaster(horizon=2, lookback=4)],
                         ids=["classifier", "tagger", "forecaster", "global"])
def test_S45_04_saving_an_unfitted_estimator_says_fit_first(tmp_path, make):
    estimator = make()
    # was: AttributeError: 'SequenceClassifier' object has no attribute 'n_features_in_' (or 'history_', 'ids_')
    with pytest.raises(ValueError, match=rf"^save: this {type(estimator).__name__} is not fitted, so it has no "
                                         r"weights to save; call fit first, then save it$"):
        rnnkit.save(estimator, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_S45_05_a_streamer_of_a_forecaster_is_named_and_told_how_to_forecast():
    import warnings

    import numpy as np
    import pandas as pd

    from rnnkit.deploy.streaming import Streamer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster = rnnkit.Forecaster(horizon=2, lookback=4, model="direct", max_epochs=1, hidden_size=4).fit(
            pd.Series(np.sin(np.arange(30) / 3)))
    # was: "a Forecaster has no step graph (...); export its window-to-forecast graph with export_onnx(...)": no
    # caller named, nothing on how to forecast with the export
    with pytest.raises(ValueError, match=r"^Streamer: a Forecaster has no step graph \(a forecast reads its whole "
                                         r"window at once\); .* run its sequence\.onnx on each window, or forecast "
                                         r"with its predict$"):
        Streamer(forecaster)


def test_S45_01_never_unpickles(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load unpickled the file")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    torch.save(torch.nn.LSTM(3, 4), tmp_path / "a.pt")
    with open(tmp_path / "b.pkl", "wb") as f:
        pickle.dump([1, 2], f, protocol=4)
    for name in ("a.pt", "b.pkl"):
        with pytest.raises(ValueError, match=r"which load never reads \(unpickling runs code\)"):
            rnnkit.load(tmp_path / name)


def test_S45_02_the_search_below_is_bounded_and_enters_no_link(tmp_path, saved):
    import time

    runs = tmp_path / "runs"
    (runs / "exp1").mkdir(parents=True)
    (runs / "exp1" / "up").symlink_to(runs, target_is_directory=True)  # a loop: never entered
    (runs / "latest").symlink_to(saved, target_is_directory=True)  # a link to a model directory: named
    with pytest.raises(ValueError, match=r"runs is not an rnnkit model directory: it holds no config\.json but the "
                                         r"model directories \['latest'\]; give one of them"):
        rnnkit.load(runs)
    data = tmp_path / "data"  # a data folder of many files given by mistake: a few thousand entries read, no more
    data.mkdir()
    for i in range(12000):
        (data / f"f{i:05d}.csv").touch()
    (data / "zz").mkdir()
    shutil.copytree(saved, data / "zz" / "model")  # past the entries read: not looked for
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"data is not an rnnkit model directory: it holds f\d{5}\.csv, .*, \.\.\. "
                                         r"and no config\.json; give the directory save"):
        rnnkit.load(data)
    assert time.perf_counter() - start < 5


def test_S45_02_a_few_model_directories_below_are_all_found(tmp_path, saved):
    for name in ("a", "b/c", "d/e/f"):
        shutil.copytree(saved, tmp_path / "top" / name)
    with pytest.raises(ValueError, match=r"the model directories \['a', 'b/c', 'd/e/f'\]"):
        rnnkit.load(tmp_path / "top")
