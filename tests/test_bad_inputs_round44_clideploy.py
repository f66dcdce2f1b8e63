"""Forty-fourth round: the command line and deployment as a new user's slips bring them: a count given as a
fraction (`--epochs 1.5`) or with a word or unit (`--opset opset17`, `--max-wait-ms 5ms`), a port mapping (`--port
8000:8001`), `rnnkit export --format tflite`, an export directory's name mistyped for the Streamer, an ONNX export
given to create_app."""

import warnings

import pytest
from helpers import cli_error


@pytest.mark.parametrize("args, hint", [
    (["train", "d.csv", "--epochs", "1.5"], "argument --epochs: expected an integer, got '1.5' (a whole number: "
                                            "write 1 or 2)"),
    (["train", "d.csv", "--epochs", "0.5"], "argument --epochs: expected an integer, got '0.5' (a whole number: "
                                            "write 1)"),
    (["serve", "m", "--threads", "2.5"], "argument --threads: expected an integer, got '2.5' (a whole number: "
                                         "write 2 or 3)"),
    # --port takes 0..65535, its end included: 65534.5 is told both whole numbers beside it
    (["serve", "m", "--port", "65534.5"], "argument --port: expected an integer, got '65534.5' (a whole number: "
                                          "write 65534 or 65535)"),
])
def test_C44_01_a_count_given_as_a_fraction_is_told_the_whole_numbers_beside_it(tmp_path, capsys, args, hint):
    err = cli_error(args, capsys)
    # was: "argument --epochs: expected an integer, got '1.5'": no fix
    assert hint in err, err


@pytest.mark.parametrize("args, given, number", [
    (["export", "m", "--out", "e", "--opset", "opset17"], "opset17", "17"),
    (["export", "m", "--out", "e", "--opset", "opset-17"], "opset-17", "17"),
    (["train", "d.csv", "--epochs", "10epochs"], "10epochs", "10"),
    (["serve", "m", "--max-wait-ms", "5ms"], "5ms", "5"),
    (["serve", "m", "--max-wait-ms", "2.5 ms"], "2.5 ms", "2.5"),
])
def test_C44_02_a_number_with_a_word_or_unit_is_told_to_write_the_number_alone(tmp_path, capsys, args, given,
                                                                                number):
    err = cli_error(args, capsys)
    # was: "argument --opset: expected an integer, got 'opset17'": no number to write
    assert f"got {given!r} (a number with a word or unit: write the number alone, {number}, in the unit the " \
           f"option names)" in err, err


def test_C44_02_a_word_alone_keeps_its_words(capsys):
    err = cli_error(["train", "d.csv", "--epochs", "ten"], capsys)
    assert err.startswith("rnnkit train: error: argument --epochs: expected an integer, got 'ten' (see "), err


@pytest.mark.parametrize("option", ["--format", "--to"])
def test_C44_03_export_format_is_told_export_writes_onnx_alone(tmp_path, capsys, option):
    err = cli_error(["export", str(tmp_path / "m"), "--out", str(tmp_path / "e"), option, "tflite"], capsys)
    # was: "unrecognized arguments: --format tflite; did you mean --out?": --out was given, and is no format
    assert "did you mean --out" not in err, err
    assert f"rnnkit export writes ONNX alone (sequence.onnx, step.onnx, export.json), so it has no {option}" in err
    assert "convert sequence.onnx with that format's own converter (e.g. onnx2tf for TFLite" in err, err


def test_C44_03_an_unknown_option_is_matched_without_the_dashes(tmp_path, capsys):
    # "--format" and "--out" share their dashes, which made them look close; a real near miss is still named
    err = cli_error(["predict", str(tmp_path / "m"), "d.csv", "--format", "json"], capsys)
    assert "did you mean" not in err, err
    err = cli_error(["export", str(tmp_path / "m"), "--out", str(tmp_path / "e"), "--opst", "17"], capsys)
    assert "unrecognized arguments: --opst 17; did you mean --opset?" in err, err


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.export import export_onnx

    X, y = deploy_data()
    d = tmp_path_factory.mktemp("s44")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        export_onnx(deploy_classifier(X, y), d / "model-onnx", verbose=False)
    return d / "model-onnx"


@pytest.mark.parametrize("name, meant", [("model-onnxx", "is an export of a near name: give that path"),
                                         ("Model-ONNX", "the same name but for the letter case: give that path"),
                                         ("elsewhere", "check the path")])
def test_S44_01_a_streamer_of_an_export_path_that_does_not_exist_says_so(exported, name, meant):
    from rnnkit.deploy.streaming import Streamer

    path = exported.parent / name
    with pytest.raises(ValueError) as e:
        Streamer(path)
    # was: "... is not an rnnkit ONNX export directory (no export.json of format 'rnnkit.onnx'); write one with
    # export_onnx or `rnnkit export`": of a path that is nothing at all, beside the export meant
    assert str(e.value).startswith(f"{path}: no such directory; expected an rnnkit ONNX export directory"), e.value
    assert meant in str(e.value), e.value
    if name != "elsewhere":
        assert repr(str(exported)) in str(e.value), e.value


@pytest.mark.parametrize("entry", [None, "sequence.onnx", "export.json"])
def test_S44_02_create_app_of_an_onnx_export_is_told_to_serve_the_model_directory(exported, entry):
    from rnnkit.deploy.server import create_app

    path = exported if entry is None else exported / entry
    with pytest.raises(ValueError) as e:
        create_app(path)
    # was: "serve: got the path '...model-onnx', not a fitted estimator; load it first: create_app(rnnkit.load(path))",
    # which rnnkit.load refuses in turn (an ONNX export is no model directory)
    assert "load it first" not in str(e.value), e.value
    assert "an ONNX export directory, which serve does not run (it serves a fitted estimator in torch); serve the " \
           "model directory that was exported: create_app(rnnkit.load(MODEL_DIR))" in str(e.value), e.value
    assert f"rnnkit.Streamer({str(exported)!r})" in str(e.value), e.value


def test_S44_02_a_model_directory_path_keeps_its_words(tmp_path):
    from rnnkit.deploy.server import create_app

    with pytest.raises(ValueError, match=r"not a fitted estimator; load it first: create_app\(rnnkit.load\(path\)\)"):
        create_app(tmp_path / "m")


def test_C44_04_a_port_mapping_is_told_to_give_one_port(capsys):
    err = cli_error(["serve", "m", "--port", "8000:8001"], capsys)
    # was: "argument --port: expected an integer, got '8000:8001'": docker's -p HOST:CONTAINER, with no fix
    assert "expected an integer, got '8000:8001' (two numbers joined by ':', as a port mapping writes host and " \
           "container: give one, e.g. 8000)" in err, err


def test_C44_review_counts_accepted_before_stay_accepted():
    from rnnkit.cli import _number

    assert _number(int, 1)("3") == 3
    assert _number(int, 0, 65535, high_open=False)("65535") == 65535
