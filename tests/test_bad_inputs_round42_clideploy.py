"""Forty-second round: the command line and deployment as a user's own files, flags and clients bring them: an
ONNX opset no exporter writes, ..."""

import pytest
from helpers import deploy_classifier, deploy_data


@pytest.fixture(scope="module")
def classifier():
    return deploy_classifier(*deploy_data())


@pytest.mark.parametrize("beyond", [1, 2])
def test_S42_01_an_opset_beyond_the_newest_onnx_defines_is_told_the_newest(classifier, tmp_path, beyond):
    import onnx.defs

    from rnnkit.deploy.export import export_onnx

    newest = onnx.defs.onnx_opset_version()
    # was: "cannot write ONNX opset 30: torch …'s exporter wrote opset 18 in its place …; …, or export with another
    # torch, whose exporter writes opset 30", after the whole graph was traced, of an opset no torch writes
    with pytest.raises(ValueError, match=rf"opset {newest + beyond} is beyond the newest ONNX opset, {newest} "
                                         rf"\(onnx .*give an opset from 9 to {newest}") as e:
        export_onnx(classifier, tmp_path / "e", opset=newest + beyond, verbose=False)
    assert "\n" not in str(e.value) and "another torch" not in str(e.value)
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("opset", [1, 8])
def test_S42_01_an_opset_before_onnx_scan_is_told_the_first(classifier, tmp_path, opset):
    from rnnkit.deploy.export import export_onnx

    with pytest.raises(ValueError, match=rf"opset {opset} is older than ONNX's Scan op .* give an opset from 9 to"):
        export_onnx(classifier, tmp_path / "e", opset=opset, verbose=False)
    assert not (tmp_path / "e").exists()


def test_S42_01_the_cli_refuses_an_unknown_opset_in_the_same_words(tmp_path, capsys):
    from helpers import cli_classifier, run_cli

    model, _ = cli_classifier(tmp_path)
    status, err = run_cli(["export", model, "--out", tmp_path / "e", "--opset", "99"], capsys)
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith("rnnkit export: error: export_onnx: opset 99 is beyond the newest ONNX opset"), err
    assert not (tmp_path / "e").exists()
