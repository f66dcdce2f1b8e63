"""Forty-sixth round: the command line and deployment as the last rounds left them and as a new user's slips bring
them: `--epochs -0.5`, a number with a stray mark (`--lr 1e-3,`) or written as a power (`--lr 10^-3`), a command or
a choice misspelt, in another case or named as another tool names it (`rnnkit fit`, `--task Classify`); a model
directory whose config.json or model.safetensors is a folder; a CSV table's text posted as the body."""

import os
import warnings

import pytest
from helpers import cli_error

import rnnkit


def test_C46_01_a_fraction_below_the_range_is_told_the_range(capsys):
    err = cli_error(["train", "d.csv", "--epochs", "-0.5"], capsys)
    # was: "argument --epochs: expected an integer, got '-0.5'": no whole number beside it in range, and no fix
    assert "argument --epochs: expected an integer, got '-0.5' (a whole number >= 1)" in err, err


@pytest.mark.parametrize("args, given, number", [
    (["train", "d.csv", "--lr", "1e-3,"], "1e-3,", "1e-3"),
    (["train", "d.csv", "--lr", "'0.01'"], "'0.01'", "0.01"),
    (["train", "d.csv", "--epochs", "5;"], "5;", "5"),
    (["serve", "m", "--port", "8000,"], "8000,", "8000"),
    (["train", "d.csv", "--lr", "1e-3)"], "1e-3)", "1e-3"),
])
def test_C46_02_a_number_with_a_stray_mark_is_told_the_number(capsys, args, given, number):
    err = cli_error(args, capsys)
    # was: "argument --lr: expected a number, got '1e-3,'": no fix for a comma copied with the number
    mark = given.replace(number, "")
    assert f"got {given!r} (a stray {mark!r} beside the number: write {number})" in err, err


@pytest.mark.parametrize("args, given, hint", [
    (["train", "d.csv", "--lr", "10^-3"], "10^-3", "a power: write its value, 0.001"),
    (["train", "d.csv", "--lr", "3*10**-4"], "3*10**-4", "a power: write its value, 0.0003"),
    (["train", "d.csv", "--lr", "1/1000"], "1/1000", "a ratio: write its value, 0.001"),
    (["train", "d.csv", "--batch-size", "2^5"], "2^5", "a power: write its value, 32"),
])
def test_C46_04_a_power_or_a_ratio_is_told_its_value(capsys, args, given, hint):
    err = cli_error(args, capsys)
    # was: "argument --lr: expected a number, got '10^-3'": no fix for a number written as maths writes it
    assert f"got {given!r} ({hint}) (see rnnkit train --help)" in err, err


def test_C46_04_a_power_of_no_whole_value_is_not_told_one_for_a_count(capsys):
    err = cli_error(["train", "d.csv", "--batch-size", "10/3"], capsys)
    assert "got '10/3' (see rnnkit train --help)" in err, err
    err = cli_error(["train", "d.csv", "--lr", "10^400"], capsys)  # beyond a float: no value to write
    assert "got '10^400' (see rnnkit train --help)" in err, err


def test_C46_02_marks_alone_and_earlier_hints_keep_their_words(capsys):
    err = cli_error(["train", "d.csv", "--lr", ","], capsys)
    assert "got ',' (see rnnkit train --help)" in err, err
    err = cli_error(["train", "d.csv", "--lr", "0,001"], capsys)  # a decimal comma, told as before
    assert "(written with a decimal comma: write 0.001)" in err, err


@pytest.mark.parametrize("command, hint", [
    ("fit", "; rnnkit calls it train, which fits a model on a file of sequences: rnnkit train ..."),
    ("server", "; rnnkit calls it serve, which serves a saved model directory over HTTP"),
    ("infer", "; rnnkit calls it predict, which predicts with a saved model directory"),
    ("score", "; rnnkit calls it evaluate, which scores a saved model directory on a labelled file"),
    ("Train", "; did you mean train?"),
    ("predcit", "; did you mean predict?"),
])
def test_C46_03_a_command_of_another_name_case_or_spelling_is_told_the_one_meant(capsys, command, hint):
    err = cli_error([command, "d.csv"], capsys)
    # was: "argument command: invalid choice: 'fit' (choose from 'demo', 'train', ...)": which one is meant, unsaid
    assert f"invalid choice: {command!r} (choose from " in err, err
    assert hint in err and err.endswith(" (see rnnkit --help)"), err


@pytest.mark.parametrize("args, hint", [
    (["train", "d.csv", "--task", "Classify", "--out", "m"], "; did you mean classify?"),
    (["train", "d.csv", "--cell", "lstn", "--out", "m"], "; did you mean lstm?"),
])
def test_C46_03_an_option_s_choice_misspelt_is_told_the_one_meant(capsys, args, hint):
    err = cli_error(args, capsys)
    assert f"{hint} (see rnnkit train --help)" in err, err


def test_C46_03_a_command_of_no_near_name_keeps_its_words(capsys):
    err = cli_error(["xyz", "d.csv"], capsys)
    assert err.endswith("'serve', 'help') (see rnnkit --help)"), err


@pytest.fixture(scope="module")
def fitted():
    from helpers import deploy_classifier, deploy_data

    X, y = deploy_data()
    return deploy_classifier(X, y)


@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
def test_S46_01_a_model_file_that_is_a_folder_is_told_so(tmp_path, fitted, name):
    d = tmp_path / "model"
    rnnkit.save(fitted, d)
    os.remove(d / name)
    os.mkdir(d / name)  # as `docker run -v` mounts a file missing on the host
    with pytest.raises(ValueError) as e:
        rnnkit.load(d)
    # was: "... cannot read config.json ([Errno 21] Is a directory: '.../config.json')"
    assert "Errno" not in str(e.value), e.value
    assert f"is not an rnnkit model directory: its {name} is a directory, not the file save writes; put the file " \
           f"{name} that save wrote there" in str(e.value), e.value
    assert "mount the model directory, not its files" in str(e.value), e.value


def test_S46_01_a_model_saved_inside_config_json_is_named(tmp_path, fitted):
    d = tmp_path / "model"
    rnnkit.save(fitted, d)
    os.remove(d / "config.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # save's own warning of a directory named like a .json file
        rnnkit.save(fitted, d / "config.json")
    with pytest.raises(ValueError, match=r"its config\.json is a directory, not the file save writes; it holds a "
                                         r"model directory itself: give that path, '.*config\.json'"):
        rnnkit.load(d)


@pytest.fixture(scope="module")
def client(fitted):
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    return TestClient(create_app(fitted))


@pytest.mark.parametrize("body, what", [
    (b"0.1,0.2,0.3\n0.4,0.5,0.6\n", "lines of 3 values apart by ','"),
    (b"f1,f2,f3\r\n0.1,0.2,0.3\r\n", "lines of 3 values apart by ',' under a header, 'f1,f2,f3'"),
    (b"f1;f2;f3\n0,1;0,2;0,3\n", "lines of 3 values apart by ';' under a header, 'f1;f2;f3'"),
])
def test_S46_02_a_csv_table_posted_as_the_body_is_told_to_read_it_first(client, body, what):
    r = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    # was: "request body is not JSON (Extra data: line 1 column 4 (char 3))": no word of the CSV, no fix
    assert f"it is a CSV table's text ({what}), not the JSON of sequences the server reads; read it first " \
           f"(pandas.read_csv), then send each sequence's steps as lists of numbers" in detail, detail


def test_S46_02_a_body_of_other_text_keeps_its_words(client):
    r = client.post("/predict", content=b"a,b\nx,y\n", headers={"content-type": "application/json"})
    assert r.json()["detail"] == "request body is not JSON (Expecting value: line 1 column 1 (char 0))", r.text
