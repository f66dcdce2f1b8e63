"""Twenty-fourth round's leftovers (L24-18 ...): the DNA app's saliency bins and k-mer sizes, NaN event ids, GenBank
text given as FASTA, videos cut short or images named as videos, WAV files of two data chunks, cells stepped by hand
with states of the wrong shape, a long CSV's time column that skips a step, daily bins of UTC instants written at
local midnights, and the hybrid's messages naming periods as the caller gave them."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import dna, eventlogs
from rnnkit.cells import ConvLSTMCell, ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, LSTMState, MinGRUCell
from rnnkit.data.audio import read_wav, wav_info, write_wav
from rnnkit.data.bio import encode_sequence, read_fasta
from rnnkit.data.tables import read_sequences
from rnnkit.forecast import Forecaster, hybrid
from rnnkit.forecast.series import as_frame


def test_L24_18_position_saliency_names_bins_that_do_not_divide_the_length_and_a_near_beyond_it():
    x = np.zeros((2, 50, 4), np.float32)  # both are refused before the model is read
    with pytest.raises(ValueError, match=r"bin_bp=20 does not divide the sequence length 50 .*e\.g\. 5, 10, 25, 50"):
        dna.position_saliency(None, x, bin_bp=20, near=10)
    with pytest.raises(ValueError, match=r"near=200 bases is not within the sequence length 50; give 1 <= near <= 50"):
        dna.position_saliency(None, x, bin_bp=10, near=200)


def test_L24_19_kmer_profile_takes_one_k_as_a_number():
    seqs = ["ACGTACGTAC", "GGGGCCCCAA"]
    one = dna.kmer_profile(seqs, 3)
    assert one.shape == (2, 4**3 + 1)
    np.testing.assert_array_equal(one, dna.kmer_profile(seqs, [3]))
    assert np.allclose(one.sum(1), 1.0)


def test_L24_20_nan_event_ids_are_named_not_read_as_unseen_events():
    good = eventlogs.Sessions([np.array([0, 1, 2, 1]), np.array([0, 2, 1])], [np.zeros(4), np.zeros(3)])
    detector = eventlogs.NGramDetector(2).fit(good)
    bad = eventlogs.Sessions([np.array([0.0, 1.0, 2.0]), np.array([0.0, np.nan, 1.0])], [np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match=r"NGramDetector.score: session 1, step 1 has the event id NaN \(1 such"):
        detector.score(bad)
    with pytest.raises(ValueError, match=r"NGramDetector.fit: session 1, step 1 has the event id NaN"):
        eventlogs.NGramDetector(2).fit(bad)
    scores = detector.score(eventlogs.Sessions([np.array([0.0, 1.0, 2.0])], [np.zeros(3)]))  # whole floats pass
    assert scores.rank[0].tolist() == [0, 0]


def test_L24_21_genbank_text_is_named_with_its_conversion(tmp_path):
    lines = ("        1 gatcctccat atacaacggt atctccacct caggtttaga tctcaacaac ggaaccattg\n"
             "       61 ccgacatgag acagttaggt atcgtcgaga gttacaagct aaaacgagca gtagtcagct\n")
    fasta = tmp_path / "origin.fa"
    fasta.write_text(">SCU49845\n" + lines)
    with pytest.raises(ValueError, match=r"line 2, position 0: invalid letter '1'.*GenBank sequence lines.*SeqIO\."
                                         r"convert\(path, 'genbank', 'out.fasta', 'fasta'\).*seqret"):
        read_fasta(fasta)
    genbank = tmp_path / "record.gb"
    genbank.write_text("LOCUS       SCU49845     120 bp    DNA             PLN       21-JUN-1999\nORIGIN\n" + lines
                       + "//\n")
    with pytest.raises(ValueError, match=r"line 1: sequence text before the first '>' header.*It is a GenBank file"):
        read_fasta(genbank)
    with pytest.raises(ValueError, match=r"position 0: invalid letter '1'.*GenBank"):
        encode_sequence("1 gatcctccat atacaacggt")
    with pytest.raises(ValueError) as plain:  # a stray letter is no GenBank
        encode_sequence("ACGTX")
    assert "GenBank" not in str(plain.value)


def _frames(n=30):
    return (np.random.default_rng(0).random((n, 32, 32)) * 255).astype(np.uint8)


def test_L24_22_a_video_cut_short_is_refused_when_the_dataset_is_built(tmp_path):
    pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset, write_video

    whole, cut = tmp_path / "whole.avi", tmp_path / "cut.avi"
    write_video(whole, _frames(), fps=10)
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    assert VideoDataset([whole], [0], size=None).lengths.tolist() == [30]
    with pytest.raises(ValueError, match=r"cut.avi: its container lists 30 frames, but frame 27 cannot be decoded "
                                         r"\(a file cut short"):
        VideoDataset([whole, cut], [0, 1], size=None)
    # max_frames stops before the cut: read_video reads those, and the dataset builds
    assert VideoDataset([cut], [0], size=None, max_frames=3).lengths.tolist() == [3]


def test_L24_23_an_image_named_as_a_video_is_named_an_image(tmp_path):
    cv2 = pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset, read_video

    png = tmp_path / "frame.png"
    cv2.imwrite(str(png), _frames(1)[0])
    avi = png.rename(tmp_path / "clip.avi")
    for read in (lambda: read_video(avi), lambda: VideoDataset([avi], [0])):
        with pytest.raises(ValueError, match=r"clip.avi is a PNG image, not a video \(whatever its name\), which "
                                             "OpenCV would read as a video of one frame"):
            read()


def test_L24_24_a_wav_of_two_data_chunks_is_refused_naming_them(tmp_path):
    one = tmp_path / "one.wav"
    write_wav(one, np.full(100, 0.5, np.float32), 8000)
    raw = one.read_bytes()
    at = raw.index(b"data")
    second = b"data" + (100).to_bytes(4, "little") + np.full(50, -1000, np.int16).tobytes()
    joined = raw + second
    two = tmp_path / "two.wav"
    two.write_bytes(joined[:4] + (len(joined) - 8).to_bytes(4, "little") + joined[8:])
    assert read_wav(one)[0].shape == (100,)
    message = rf"two.wav holds 2 data chunks \(at bytes {at}, {len(raw)}\), where a WAV file holds one"
    with pytest.raises(ValueError, match=message):
        read_wav(two)  # scipy read the 50 samples of the last chunk only
    with pytest.raises(ValueError, match=message):
        wav_info(two)


@pytest.mark.parametrize("make", [lambda: LSTMCell(3, 4), lambda: GRUCell(3, 4), lambda: ElmanCell(3, 4),
                                  lambda: LayerNormLSTMCell(3, 4), lambda: MinGRUCell(3, 4)])
def test_L24_25_a_cell_stepped_by_hand_names_a_state_of_the_wrong_shape(make):
    torch.manual_seed(0)
    cell = make()
    xw = cell.project(torch.randn(5, 1, 3))[:, 0]  # (5, G)

    def state(*shape):
        z = torch.zeros(*shape)
        return z if cell.state_type is None else LSTMState(z, z.clone())

    name = type(cell).__name__
    with pytest.raises(ValueError, match=rf"{name}.step: a step of xw_t \(5, \d+\) \(5 sequences\) takes a state of "
                                         r"\(5, 4\) per field .*got h \(1, 4\).*not broadcast over the batch"):
        cell.step(xw, state(1, 4))  # torch would broadcast it silently
    with pytest.raises(ValueError, match=r"takes a state of \(5, 4\) per field .*got h \(5, 3\).*zero_state"):
        cell.step(xw, state(5, 3))
    with pytest.raises(ValueError, match=r"got h \(4, 4\)"):
        cell.step(xw, state(4, 4))
    y, new = cell.step(xw, cell.zero_state(5))  # the right shape steps as before, expanded rows alike
    y1, _ = cell.step(xw, state(1, 4)._replace(h=torch.zeros(1, 4).expand(5, -1), c=torch.zeros(5, 4))
                      if cell.state_type else torch.zeros(1, 4).expand(5, -1))
    assert y.shape == (5, 4)
    torch.testing.assert_close(y1, y)



def test_L24_29_a_conv_lstm_cell_stepped_by_hand_names_a_state_of_the_wrong_shape():
    torch.manual_seed(0)
    cell = ConvLSTMCell(2, 3, image_size=(4, 4))  # hidden_size 3 * 16 = 48
    xw = cell.project(torch.randn(5, 1, cell.input_size))[:, 0]
    one = LSTMState(torch.zeros(1, 48), torch.zeros(1, 48))
    with pytest.raises(ValueError, match=r"ConvLSTMCell.step: a step of xw_t \(5, 192\) \(5 sequences\) takes a state "
                                         r"of \(5, 48\) per field .*got h \(1, 48\), c \(1, 48\).*not broadcast"):
        cell.step(xw, one)  # the convolution read its one row as the batch's, silently
    y, _ = cell.step(xw, cell.zero_state(5))
    assert y.shape == (5, 48)

def _long_csv(path, times_of):
    rows = [f"{key},{t},{0.1 * i:.1f},{1}" for key, times in times_of.items() for i, t in enumerate(times)]
    path.write_text("id,t,x,target\n" + "\n".join(rows) + "\n")
    return path


def test_L24_26_a_regular_time_column_that_skips_a_step_is_warned_of_once(tmp_path):
    gap = _long_csv(tmp_path / "gap.csv", {"a": range(6), "b": [0, 1, 2, 4, 5], "c": range(6), "d": [0, 1, 3, 4]})
    with pytest.warns(UserWarning, match=r"gap.csv: the time column 't' steps by 1 in 15 of its 17 steps, but skips "
                                         r"2 time\(s\) in 2 sequence\(s\) \(first: sequence 'b' goes from 2 to 4, "
                                         r"lines 10, 11, without 3\); the rows are read as consecutive steps") as got:
        table = read_sequences(gap, time_column="t")
    assert len([w for w in got if "skips" in str(w.message)]) == 1
    assert [len(x) for x in table.X] == [6, 5, 6, 4]  # read as before
    dates = tmp_path / "dates.csv"
    days = [f"2024-01-{d:02d}" for d in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)]
    _long_csv(dates, {"a": days, "b": [f"2024-01-{d:02d}" for d in range(1, 12)]})
    with pytest.warns(UserWarning, match=r"steps by 1 day\(s\) in 19 of its 20 steps, but skips 1 time\(s\) in 1 "
                                         r"sequence\(s\) \(first: sequence 'a' goes from '2024-01-03' to '2024-01-05'"
                                         r", lines 4, 5, without 2024-01-04\)"):
        read_sequences(dates, time_column="t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # on the grid, or irregular (its own spacing): nothing to say
        read_sequences(_long_csv(tmp_path / "grid.csv", {"a": range(6), "b": range(4)}), time_column="t")
        read_sequences(_long_csv(tmp_path / "irregular.csv", {"a": [0, 1, 3, 4, 9, 10], "b": [0, 2, 3, 7]}),
                       time_column="t")
        read_sequences(_long_csv(tmp_path / "fractions.csv", {"a": [0, 0.5, 1.5, 2.0], "b": [0, 0.5, 1]}),
                       time_column="t")


def test_L24_27_daily_bins_of_utc_instants_written_at_local_midnights_are_warned_of():
    hours = pd.date_range("2024-03-28", periods=24 * 6, freq="h", tz="Europe/Berlin")  # summer time from the 31st
    text = pd.Series(np.arange(len(hours), dtype=float), index=[t.isoformat() for t in hours])
    with pytest.warns(UserWarning, match=r"freq='D': the timestamps carry the UTC offsets \+01:00, \+02:00 "
                                         r"\('2024-03-28T00:00:00\+01:00', \.\.\.\), and they are read as UTC "
                                         r"instants, so the bins are UTC days"):
        frame = as_frame(text, freq="D")
    assert str(frame.time[0].date()) == "2024-03-27"  # the local midnight's hour, in the UTC day before
    days = pd.date_range("2024-03-25", periods=12, freq="D", tz="Europe/Berlin").tz_convert("UTC")
    with pytest.warns(UserWarning, match=r"every timestamp is at 22:00:00 or 23:00:00 UTC"):
        as_frame(pd.Series(np.arange(12.0), index=days), freq="D")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in their own zone, the bins are local days
        local = as_frame(pd.Series(np.arange(len(hours), dtype=float), index=hours), freq="D")
        as_frame(pd.Series(np.arange(12.0), index=pd.date_range("2024-03-25", periods=12, freq="D", tz="UTC")),
                 freq="D")
    assert str(local.time[0]) == "2024-03-28 00:00:00+01:00"


def test_L24_28_the_hybrids_messages_name_periods_as_the_index_shows_them():
    y = pd.Series(10 + 3 * np.sin(np.arange(72) / 2), index=pd.period_range("1949-01", periods=72, freq="M"))
    y.iloc[66] = np.nan
    with pytest.raises(ValueError, match=r"1 missing, the first at row 66 \(1954-07\), inside"):
        Forecaster(horizon=3, model="hybrid", lookback=6, season_length=1, max_epochs=1).fit(y)
    values, starts = y.fillna(0.0).to_numpy(), y.index.to_timestamp()
    assert "row 66 (1954-07) is not positive" in hybrid.left_out(values, 63, 69, starts, "M")
    assert "row 66 (1954-07-01) is not positive" in hybrid.left_out(values, 63, 69, starts)  # dates stay dates
