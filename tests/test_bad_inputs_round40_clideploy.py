"""Fortieth round: the command line and deployment as the last round left them: a diverged training at a rate far
above Adam's, a body's number beyond float64's range, and files of their own format sent as a request's body (an
image, a PDF, an Excel workbook, a PyTorch file)."""

import io
import re
import struct
import zipfile
import zlib

import numpy as np
import pytest
import torch
from helpers import cli_error, long_csv

from rnnkit.deploy.server import Limits, RequestError, parse_request


def _refusal(body: bytes) -> str:
    with pytest.raises(RequestError) as caught:
        parse_request(body, 3, Limits())
    return str(caught.value)


def test_C40_01_a_training_diverged_far_above_adams_rate_is_told_a_usual_rate(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    diverging = ["train", data, "--task", "classify", "--hidden-size", "4", "--cell", "gru", "--device", "cpu",
                 "--time-column", "t", "--frontend", "fcn", "--stride", "1", "--epochs", "2", "--lr", "1e30",
                 "--lr-schedule", "none", "--batch-size", "4", "--out", tmp_path / "m"]
    with pytest.warns(UserWarning, match="--lr 1e"):
        message = cli_error(diverging, capsys)
    # was: "give a lower --lr (e.g. 1e+29)", a tenth of a rate that diverges too
    assert "training at --lr 1e+30; give a lower --lr (e.g. 1e-3, Adam's usual rate, or leave --lr out), or " \
           "check" in message, message
    assert "1e+29" not in message


@pytest.mark.parametrize(("lr", "given", "shown"), [(5e-3, True, "e.g. 0.0005)"), (1e-2, True, "e.g. 0.001)"),
                                                    (0.5, True, "e.g. 1e-3, Adam's usual rate, or leave --lr out)"),
                                                    (0.5, False, "e.g. 1e-3, Adam's usual rate)")])
def test_C40_01_a_rate_near_adams_is_told_a_tenth_of_it(lr, given, shown, tmp_path):
    from types import SimpleNamespace

    from rnnkit.cli import _diverged

    class Diverged(ValueError):
        pass

    error = Diverged("non-finite loss (nan) at optimizer step 3 (epoch 0, batch 2); training stopped")
    error.lr, error.checkpoint = lr, False
    message = _diverged(error, SimpleNamespace(lr=lr if given else None, data="d.csv"), tmp_path / "m")
    assert f"give a lower --lr ({shown}, or check d.csv for extreme values" in message, message


@pytest.mark.parametrize("value", ["1e400", "-1e400"])
def test_S40_01_a_number_beyond_float64_says_each_range_once(value):
    message = _refusal(b'{"sequences": [[[1, ' + value.encode() + b', 3]]]}')
    # was: "holds a number beyond even float64's range, a number beyond float32's range (|x| <= 3.4e38)"
    assert ("sequence 0, step 0, feature 1 holds a number beyond float64's range (|x| <= 1.8e308), and so beyond "
            "float32's range (|x| <= 3.4e38), which the network reads; a fill value for a missing reading?") in message
    assert message.count("a number beyond") == 1
    # the other two kinds of number keep their words
    assert "holds 4e+38, a number beyond float32's range (|x| <= 3.4e38)" in _refusal(
        b'{"sequences": [[[1, 4e38, 3]]]}')
    assert "holds a number of 61 digits, beyond float32's range (|x| <= 3.4e38)" in _refusal(
        b'{"sequences": [[[1, 1' + b"0" * 60 + b', 3]]]}')


def _png() -> bytes:
    rows = b"".join(b"\x00" + bytes(np.random.default_rng(0).integers(0, 256, 30).tolist()) for _ in range(10))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _zip(**files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name.replace("__", "/"), text)
    return buffer.getvalue()


@pytest.mark.parametrize(("kind", "body", "what"), [
    ("png", _png(), "a PNG image"),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 3, "a JPEG image"),
    ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 5 >>\nstream\n" + zlib.compress(b"hello" * 100),
     "a PDF document"),
    ("wav", b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + bytes(200), "a WAV audio file"),
])
def test_S40_02_an_image_or_document_body_is_named_by_its_format(kind, body, what):
    message = _refusal(body)
    # was: "it is binary data, not text, with no mark of a file format, as an array's x.tobytes() is" (an image,
    # whose mark is its first bytes), or json's words alone ("'utf-8' codec can't decode byte 0xe2", a PDF)
    assert f"): it is {what}, not the JSON of sequences the server reads" in message, message
    assert "no mark of a file format" not in message
    assert message.endswith('send the arrays as JSON numbers, {"sequences": [x.tolist() for x in X]} '
                            "(requests.post(url, json=payload))")


def test_S40_02_text_opening_like_a_mark_is_not_taken_for_the_file():
    # a CSV whose first cell is "BM..." (a BMP's mark is "BM"): not an image
    assert "image" not in _refusal(b"BMW,1,2\n3,4,5\n")


@pytest.mark.parametrize("body", [b"PAR1,PAR2\n1,2\n", b"ARROW1,ARROW2\n1,2\n", b"GIF89a is a format\n",
                                  b"%PDF-1.4 is text here\n", "BMW,M\u00fcnchen\n1,2\n".encode("latin-1")])
def test_S40_02_a_text_body_is_never_named_a_file_format(body):
    # review: a CSV whose header is PAR1,PAR2 (UTF-8 text) was named a Parquet file by its first 4 letters; a text
    # opens with a printable mark only as text, so only a body that is no UTF-8 text (and for BM, binary) is named
    message = _refusal(body)
    assert "table's file" not in message and "image" not in message and "PDF" not in message, message


def test_S40_03_a_zip_body_is_named_by_what_it_holds():
    buffer = io.BytesIO()
    torch.save(torch.zeros(3, 4), buffer)
    message = _refusal(buffer.getvalue())
    # was: "it is a zip archive (np.savez writes one)", for torch.save's zip of a pickle and an Excel workbook alike
    assert ("): it is a PyTorch file (torch.save writes a zip of a pickle), which a server must not read: unpickling "
            "runs code; send the arrays as JSON numbers") in message, message
    message = _refusal(_zip(**{"[Content_Types].xml": "<x/>", "xl__workbook.xml": "<x/>"}))
    assert ("): it is an Excel workbook (.xlsx), not the JSON of sequences the server reads; read it first "
            "(pandas.read_excel), then send the arrays as JSON numbers") in message, message
    assert "): it is a zip archive (of seq.json); send the arrays" in _refusal(_zip(**{"seq.json": "{}"}))
    buffer = io.BytesIO()
    np.savez(buffer, X=np.zeros(3))  # np.savez's keeps its words
    assert "): it is a zip archive (np.savez writes one); send" in _refusal(buffer.getvalue())


@pytest.mark.parametrize(("name", "what"), [("model.pt", "a PyTorch file (torch.save)"),
                                            ("model.pth", "a PyTorch file (torch.save)"),
                                            ("model.safetensors", "a safetensors file"),
                                            ("model.onnx", "an ONNX file")])
def test_S40_04_an_export_named_as_one_model_file_is_refused(name, what, tmp_path, capsys):
    import warnings

    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.export import export_onnx

    X, y = deploy_data()
    clf = deploy_classifier(X, y)
    target = tmp_path / name
    # was: a directory model.pt written (sequence.onnx, export.json in it), which torch.load and any runtime refuse
    with pytest.raises(ValueError, match=rf"names {re.escape(what)}, but an export is a directory \(sequence\.onnx, "
                                         rf"step\.onnx, export\.json\); give a directory, e\.g\. .*model$"):
        export_onnx(clf, target, verbose=False)
    assert not target.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.save(tmp_path / "m")
    message = cli_error(["export", tmp_path / "m", "--out", target], capsys)
    assert f"{target} names {what}, but an export is a directory" in message, message


@pytest.mark.parametrize("name", ["runs/v1.2", "model.v2", "model.2026-12-07"])
def test_S40_04_a_directory_with_a_dot_that_is_no_model_suffix_is_written(name, tmp_path):
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.export import export_onnx

    X, y = deploy_data()
    export_onnx(deploy_classifier(X, y), tmp_path / name, verbose=False)  # a version's dot is no model file's suffix
    assert (tmp_path / name / "export.json").is_file()


def test_S40_05_a_bare_array_is_told_the_wrap_its_depth_needs():
    one_sequence = b"[[1, 2, 3], [4, 5, 6]]"  # requests.post(url, json=x.tolist()) of one sequence
    # was: 'send it as {"sequences": <the array>}' for every array, which for one sequence or one step is refused again
    message = _refusal(one_sequence)
    assert message.endswith("got a JSON array; it is one sequence's 2 steps (a list of lists of numbers, as "
                            "x.tolist() of one sequence gives)? send it as {\"sequences\": [<the array>]}"), message
    assert parse_request(b'{"sequences": [' + one_sequence + b"]}", 3, Limits())[0].shape == (2, 3)  # the hint runs
    assert _refusal(b"[1, 2, 3]").endswith("it is one step's 3 features (a list of numbers)? send it as "
                                           '{"sequences": [[<the array>]]}')
    assert parse_request(b'{"sequences": [[[1, 2, 3]]]}', 3, Limits())[0].shape == (1, 3)
    records = b'[{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]'  # df.to_json(orient="records")
    with pytest.raises(RequestError, match=r"it is rows as objects \(pandas' to_json\(orient='records'\)\)\? as one "
                                           r"sequence's steps, send \{\"sequences\": \[<the array>\]\}, each object "
                                           r"keyed by the model's features \['a', 'b', 'c'\]$"):
        parse_request(records, 3, Limits(), names=["a", "b", "c"])
    assert parse_request(b'{"sequences": [' + records + b"]}", 3, Limits(), names=["a", "b", "c"])[0].shape == (2, 3)
    assert "(the model has no feature names to key them by)" in _refusal(records)
    # sequences themselves keep the wrap as they are
    assert _refusal(b"[[[1, 2, 3]]]").endswith('got a JSON array; send it as {"sequences": <the array>}')


def test_S40_05_a_bare_array_for_a_model_of_one_feature_is_told_each_value_a_step():
    # review: for a model of one feature, [[1, 2, 3], [4, 5]] is two sequences of its values and [1, 2, 3] one
    # sequence, where the first fix told them one sequence's steps and one step's features, refused again
    with pytest.raises(RequestError, match=r"it is 2 sequence\(s\) of the model's one feature's values .*"
                                           r"\[\[\[v\] for v in s\] for s in <the array>\]\}$"):
        parse_request(b"[[1, 2, 3], [4, 5]]", 1, Limits())
    with pytest.raises(RequestError, match=r"it is one sequence of the model's one feature's 3 values\? .*"
                                           r"\[\[\[v\] for v in <the array>\]\]\}$"):
        parse_request(b"[1, 2, 3]", 1, Limits())
    assert [x.shape for x in parse_request(b'{"sequences": [[[1], [2], [3]], [[4], [5]]]}', 1, Limits())] == [
        (3, 1), (2, 1)]  # the hint's form is read


@pytest.mark.parametrize(("payload", "what"), [
    ({"columns": ["a", "b", "c"], "index": [0, 1], "data": [[1, 2, 3], [4, 5, 6]]},
     "a DataFrame as pandas' to_json(orient='split') writes it"),
    ({"columns": ["a", "b", "c"], "data": [[1, 2, 3]]}, "a DataFrame as pandas' to_json(orient='split') writes it"),
    ({"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, 3]]}},
     "a DataFrame as MLflow's dataframe_split sends it"),
    ({"dataframe_records": [{"a": 1, "b": 2, "c": 3}]}, "a DataFrame as MLflow's dataframe_records sends it"),
])
def test_S40_06_a_dataframe_as_pandas_or_mlflow_send_it_is_told_the_sequences(payload, what):
    import json

    message = _refusal(json.dumps(payload).encode())
    # was: 'request body has no key "sequences" (it has ['columns', 'data', 'index']); send {"sequences": ...}', and
    # for MLflow's dataframe_records 'if 'dataframe_records' holds the sequences ..., rename it to "sequences"', which
    # is refused again (its rows are no sequences)
    assert message == (f'request body has no key "sequences": it is {what}, a table\'s rows, not sequences of steps; '
                       f'send each sequence\'s rows as its steps, {{"sequences": [g[features].values.tolist() for _, '
                       f'g in df.groupby(id_column)]}} (one sequence: {{"sequences": [df[features].values.tolist()]}}),'
                       f' the rows of each in time order'), message
    # another server's key for the inputs keeps its words
    assert "if 'data' holds the sequences" in _refusal(b'{"data": [[[1, 2, 3]]]}')
