"""Round 44 of bad inputs, the recipes (rnnkit/apps/*, rnnkit/report.py): each test fails on bb75261."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnkit.report import machine, write_report  # noqa: E402

MACHINE = machine()


def _figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return fig


def _write(tmp_path, figures):
    return write_report(tmp_path / "rep", title="t", results={"a": 1}, markdown="body", figures=figures,
                        machine_info=MACHINE)


@pytest.mark.parametrize("name", ["curves.pdf", "curves.svg", "loss.JPG", "roc.jpeg"])
def test_A44_01_figure_name_of_another_format_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"ends in .*writes each figure as PNG.*name it '(curves|loss|roc)'"):
        _write(tmp_path, {name: _figure()})
    assert not (tmp_path / "rep").exists()  # nothing written


def test_A44_01_figure_name_not_str_refused(tmp_path):
    with pytest.raises(ValueError, match=r"figure name 1 is of type int, not a str.*figures=\{'1': fig\}"):
        _write(tmp_path, {1: _figure()})


def test_A44_01_png_in_capitals_kept_and_plain_names_as_before(tmp_path):
    paths = _write(tmp_path, {"curves.PNG": _figure(), "roc": _figure(), "loss.v2": _figure()})
    assert {"curves.PNG", "roc.png", "loss.v2.png"} <= set(paths)
    assert (tmp_path / "rep" / "curves.PNG").read_bytes()[:4] == b"\x89PNG"


def test_A44_02_two_figures_one_file_refused(tmp_path):
    with pytest.raises(ValueError, match=r"figures 'curves' and 'curves.png' are both written to 'curves.png'.*"
                                         r"a name of its own"):
        _write(tmp_path, {"curves": _figure(), "curves.png": _figure()})
    assert not (tmp_path / "rep").exists()


def _clips(n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(5, 3)) for _ in range(n)]


def test_A44_03_dtw_labels_one_digit_spelt_two_ways_refused():
    from rnnkit.apps.spoken_digits import DTWNearestNeighbour

    with pytest.raises(ValueError, match=r"labels\[0\] is 'one' and labels\[2\] '1', one digit spelt as a word and "
                                         r"as a digit.*digit_of_name\(str\(v\)\) for v in y\] \(gives 1 for 'one'\)"):
        DTWNearestNeighbour().fit(_clips(4), ["one", "two", 1, 2])
    # the fix as written gives one spelling, and fits
    from rnnkit.apps import spoken_digits

    y = [spoken_digits.digit_of_name(str(v)) for v in ["one", "two", 1, 2]]
    assert DTWNearestNeighbour().fit(_clips(4), y).y_.tolist() == [1, 2, 1, 2]
    # words alone, digits alone, 'oh' beside '0' (TIDIGITS' eleven classes) stay as before
    for labels in (["one", "two", "one", "two"], [1, 2, 1, 2], ["0", "oh", "1", "oh"], ["yes", "no", "1", "2"]):
        DTWNearestNeighbour().fit(_clips(4), labels)


def test_A44_04_dtw_score_of_labels_spelt_otherwise_refused():
    from rnnkit.apps.spoken_digits import DTWNearestNeighbour

    x = _clips(4)
    model = DTWNearestNeighbour().fit(x, ["one", "two", "three", "four"])
    with pytest.raises(ValueError, match=r"labels are digits as numbers \(y\[0\] is 1\) but the training labels were "
                                         r"number words \('one'\).*accuracy would read 0.*digit_of_name"):
        model.score(x, [1, 2, 3, 4])
    model = DTWNearestNeighbour().fit(x, np.array(["1", "2", "3", "4"]))
    with pytest.raises(ValueError, match=r"digits as numbers .* digits as text"):
        model.score(x, np.array([1, 2, 3, 4]))
    assert model.score(x, ["1", "2", "3", "4"]) == 1.0  # the training clips themselves, spelt alike


@pytest.mark.parametrize(("kw", "match"), [({"bin_bp": 20.0}, r"bin_bp must be an integer >= 1 \(bases per bin\), "
                                                             r"got 20.0; give 20"),
                                           ({"near": 40.0}, r"near must be an integer >= 1 .*got 40.0; give 40"),
                                           ({"chunk": 0}, r"chunk must be an integer >= 1 .*got 0"),
                                           ({"bin_bp": True}, r"bin_bp must be an integer >= 1 .*got True")])
def test_A44_05_position_saliency_sizes_not_counts_refused_before_work(kw, match):
    from rnnkit.apps.dna import one_hot, position_saliency

    x = one_hot(["ACGT" * 50, "TTGA" * 50])  # 200 bp: the default near fits

    class NoModel:  # any use of the model would fail otherwise: the check comes first
        pass

    with pytest.raises(ValueError, match=match):
        position_saliency(NoModel(), x, **kw)


def test_A44_06_speech_sequence_of_one_repeated_frame_warned():
    from rnnkit.apps import speech

    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(10, 12)) for _ in range(3)] + [np.zeros((9, 12)), np.full((7, 12), 0.5)]
    with pytest.warns(UserWarning, match=r"summary_features: sequence\(s\) 3, 4 \(2 of 5\) hold one frame at every "
                                         r"step \(sequence 3: 9 frames.*silence.*keep = "):
        z = speech.summary_features(seqs)
    assert z.shape == (5, 24)  # still read, in order
    with pytest.warns(UserWarning, match=r"fit_standardisation: .*hold one frame at every step"):
        speech.fit_standardisation(seqs)


def test_A44_06_speech_sequences_that_move_and_one_frame_stay_quiet():
    import warnings

    from rnnkit.apps import speech

    rng = np.random.default_rng(1)
    seqs = [rng.normal(size=(10, 12)) for _ in range(3)] + [rng.normal(size=(1, 12))]
    seqs[0][:, 5] = 0.0  # a constant coefficient in a moving sequence is no silence
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        speech.summary_features(seqs)


def test_A44_01_review_a_path_object_is_read_as_its_name_and_a_folder_is_told_the_plain_name(tmp_path):
    from pathlib import Path

    paths = _write(tmp_path, {Path("curves"): _figure(), Path("roc.PNG"): _figure()})
    assert {"curves.png", "roc.PNG"} <= set(paths)  # was: refused as 'of type PosixPath', and before, an AttributeError
    with pytest.raises(ValueError, match=r"figure name 'plots/curves.png' must be a plain file name \(no folders.*; "
                                         r"name it 'curves' \(written in the report's own folder\)"):
        _write(tmp_path / "b", {"plots/curves.png": _figure()})


def test_A44_03_review_real_label_sets_stay_accepted_and_score():
    from rnnkit.apps.spoken_digits import DTWNearestNeighbour

    x = _clips(4)
    for labels in (["oh", "0", "oh", "0"], ["yes", "no", "yes", "no"], [1, np.int64(2), 3, np.int32(4)],
                   ["oh", "zero", "oh", "zero"]):
        assert DTWNearestNeighbour().fit(x, labels).score(x, labels) == 1.0
    model = DTWNearestNeighbour().fit(x, [1, 2, 3, 4])
    assert model.score(x, np.array([1, 2, 3, 4], dtype=np.int8)) == 1.0  # numpy ints against Python ints
    assert model.score(x, [1.0, 2.0, 3.0, 4.0]) == 1.0  # whole floats compare equal: no refusal


def test_A44_06_review_dc_offset_a_zero_frame_and_short_utterances_stay_quiet():
    import warnings

    from rnnkit.apps import speech

    rng = np.random.default_rng(2)
    short = [rng.normal(size=(n, 13)) for n in (2, 3)]
    dc = rng.normal(size=(30, 13))
    dc[:, 0] = 5.0  # a constant, nonzero coefficient (a DC offset's energy) in an utterance that moves
    gap = rng.normal(size=(30, 13))
    gap[10] = 0.0  # normalised features all 0 for one frame only
    seqs = short + [dc, gap]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        speech.summary_features(seqs)
        mean, scale = speech.fit_standardisation(seqs)
        speech.standardise(seqs, mean, scale)
