"""Round 38 (data): the loaders with one's own data: a genome's soft mask, labels counted from 1, bool features,
frames of 0..255 as floats, and more (D38-NN; see docs/bad_inputs.md)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch


def _quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


def test_D38_01_read_fasta_keeps_a_soft_mask_or_says_it_is_lost(tmp_path):
    # before: 'ACGTacgtAC' read as 'ACGTACGTAC' with no word and no way to keep the repeats' lower case
    from rnnkit.data.bio import BioSequenceDataset, read_fasta

    path = tmp_path / "sm.fa"
    path.write_text(">chr1_part\nACGTacgtAC\n>chr2_part\nACGT\n")
    with pytest.warns(UserWarning, match=r"sm\.fa: 4 of the 14 letters \(1 record\(s\), the first 'chr1_part'\) are "
                                         r"lower case .* soft mask .* lost; pass keep_case=True .* keep_case=False"):
        records = read_fasta(path)
    assert records[0].sequence == "ACGTACGTAC"
    kept = _quiet(read_fasta, path, keep_case=True)
    assert [r.sequence for r in kept] == ["ACGTacgtAC", "ACGT"]
    assert [c.islower() for c in kept[0].sequence] == [False] * 4 + [True] * 4 + [False] * 2
    assert [r.sequence for r in _quiet(read_fasta, path, keep_case=False)] == ["ACGTACGTAC", "ACGT"]
    x, _ = BioSequenceDataset(kept, [0, 1])[0]  # the encoders read either case alike
    assert x.argmax(1).tolist() == [0, 1, 2, 3] * 2 + [0, 1]
    lower = tmp_path / "lower.fa"  # a file in lower case throughout holds no mask: upper-cased silently
    lower.write_text(">a\nacgt\n")
    assert _quiet(read_fasta, lower)[0].sequence == "ACGT"
    with pytest.raises(ValueError, match=r"keep_case must be True .* or False .* got 'yes'"):
        read_fasta(path, keep_case="yes")
    with pytest.raises(ValueError, match=r"keep_case must be True .* or False .* got 1\.0"):
        read_fasta(path, keep_case=1.0)


def test_D38_02_labels_counted_from_one_are_said_when_the_dataset_is_built(tmp_path):
    # before: labels 1 .. 3 taken as they were; a model of 3 outputs failed at class 3 in the loss, mid-epoch
    from rnnkit.data.bio import BioSequenceDataset
    from rnnkit.data.text import TextClassificationDataset, Vocab

    vocab = Vocab.build(["a b c"], level="word")
    with pytest.warns(UserWarning, match=r"TextClassificationDataset: the labels run from 1 to 3 and no item has "
                                         r"class 0, .* a model of 3 outputs fails at class 3, .* pass labels - 1"):
        ds = TextClassificationDataset(["a b", "b c", "c a", "a"], [1, 2, 3, 3], vocab)
    assert ds.labels.tolist() == [1, 2, 3, 3]  # kept as given
    with pytest.warns(UserWarning, match=r"BioSequenceDataset: the labels run from 1 to 2 and no item has class 0, "
                                         r".*warnings.filterwarnings"):
        BioSequenceDataset(["ACGT", "AC", "GG"], [2, 1, 1])
    _quiet(TextClassificationDataset, ["a b", "b c"], [0, 1], vocab)  # from 0
    _quiet(TextClassificationDataset, ["a b", "b c", "c"], [1, 1, 1], vocab)  # one class: nothing to tell
    _quiet(TextClassificationDataset, ["a b", "b c"], [1, 3], vocab)  # not 1 .. K: a split of some classes


def test_D38_03_bool_features_are_collated_as_floats():
    # before: a bool x stayed bool (the layers refuse it at the model), and a frame of a float column beside a
    # bool one was refused as 'Python objects'
    from rnnkit.data import pad_collate

    flags = [np.array([[True], [False], [True]]), np.array([[False]])]
    batch = pad_collate([(f, 0) for f in flags], padding_value=-1.0)
    assert batch.x.dtype == torch.float32
    assert batch.x[:, :, 0].tolist() == [[1.0, 0.0, 1.0], [0.0, -1.0, -1.0]]
    assert pad_collate([torch.tensor([True, False])]).x.dtype == torch.float32
    day = pd.DataFrame({"temp": [11.5, 12.0, 9.5], "weekend": [True, False, False]})
    batch = pad_collate([(day, 1), (day.iloc[:2], 0)])
    assert batch.x.dtype == torch.float32 and batch.x[0].tolist() == [[11.5, 1.0], [12.0, 0.0], [9.5, 0.0]]
    nullable = pd.DataFrame({"count": pd.array([3, 4], dtype="Int64"), "open": pd.array([True, False], "boolean")})
    assert pad_collate([nullable.assign(temp=[1.5, 2.5])]).x[0].tolist() == [[3.0, 1.0, 1.5], [4.0, 0.0, 2.5]]
    labels = pad_collate([(np.zeros((2, 1)), np.array([True, False]))], labels="step").y  # labels: class ids
    assert not labels.is_floating_point() and labels.tolist() == [[1, 0]]


def test_D38_04_frame_encoder_refuses_pixels_of_0_to_255_as_floats():
    # before: torch.from_numpy(frames).float() (0..255) embedded without a word, as a scene 255 times brighter
    from rnnkit.data.video import FrameEncoder, embed_frames, frames_to_tensor

    torch.manual_seed(0)
    encoder = FrameEncoder(4, in_channels=3)
    pixels = np.random.default_rng(0).integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    as_floats = torch.from_numpy(pixels).float().permute(0, 3, 1, 2)  # (T, C, H, W) of 0..255
    with pytest.raises(ValueError, match=r"FrameEncoder takes float frames in \[0, 1\], got values from 0 to 25\d: "
                                         r"pixels of 0\.\.255 made float without the division\? divide them by 255"):
        embed_frames(encoder, as_floats)
    with pytest.raises(ValueError, match=r"divide them by 255"):
        encoder(as_floats[None])  # (B, T, C, H, W)
    right = embed_frames(encoder, frames_to_tensor(pixels))
    assert torch.allclose(right, embed_frames(encoder, as_floats / 255))
    assert embed_frames(encoder, torch.randn(5, 3, 8, 8) * 2).shape == (5, 4)  # standardised frames pass


def test_D38_05_an_empty_event_log_is_named_by_each_loader():
    # before: EventSessions: numpy's 'zero-size array to reduction operation maximum which has no identity';
    # event_vocab: a vocabulary of the specials alone, with a warning of 'no token token'
    from rnnkit.data.events import EventSessions, event_vocab, sessionize

    log = pd.DataFrame({"user": ["u1"] * 3, "timestamp": [0, 10, 20], "event": ["login", "view", "logout"],
                        "anomaly": [0, 1, 0]})
    sessions = sessionize(log)
    none = sessions[sessions["user"] == "u2"]  # a user the log does not hold
    for target in ("next", "anomaly", None):
        with pytest.raises(ValueError, match=r"EventSessions: the event log is empty \(no rows; columns \['user', "
                                             r".*a filter or a split that kept no event"):
            EventSessions(none, event_vocab(log), target=target)
    with pytest.raises(ValueError, match=r"event_vocab: the event log is empty"):
        event_vocab(none)
    with pytest.raises(ValueError, match=r"sessionize: the event log is empty"):
        sessionize(log.iloc[:0])
    assert len(EventSessions(sessions, event_vocab(log), target="anomaly")) == 1


def test_D38_06_a_dataset_of_no_items_is_refused_by_each_kind(tmp_path):
    # before: TextClassificationDataset([], []) and BioSequenceDataset([]) were built, and a Lightning Trainer fitted
    # on them trained nothing (its warning of a DataLoader of length zero alone); audio and video said no more than
    # 'no audio files given'
    from rnnkit.data.audio import AudioDataset
    from rnnkit.data.bio import BioSequenceDataset
    from rnnkit.data.text import TextClassificationDataset, Vocab
    from rnnkit.data.video import VideoDataset

    texts = pd.Series(["a b", "b c"], index=[3, 4])
    kept = texts[texts.str.startswith("z")]  # a filter that kept none
    with pytest.raises(ValueError, match=r"TextClassificationDataset: no texts given \(an empty list: a filter or a "
                                         r"split that kept no item\?\); a dataset of no items yields no batch"):
        TextClassificationDataset(kept, [], Vocab.build(texts.tolist(), level="word"))
    with pytest.raises(ValueError, match=r"BioSequenceDataset: no sequences given \(an empty list"):
        BioSequenceDataset([], [])
    with pytest.raises(ValueError, match=r"AudioDataset: no audio files given \(an empty list"):
        AudioDataset(sorted(tmp_path.glob("*.wav")), [], sample_rate=16000)
    with pytest.raises(ValueError, match=r"VideoDataset: no video files given \(an empty list"):
        VideoDataset([], [])
    with pytest.raises(ValueError) as refused:
        BioSequenceDataset([], [])
    assert str(refused.value).endswith("trains or scores nothing")  # no stray ')'


def test_D38_07_a_log_exported_newest_first_keeps_its_ties_in_time_order():
    # before: the rows sorted by time stably kept the export's newest-first order among events of one second:
    # 'cart' before 'view', each with the other's dt
    from rnnkit.data.events import EventSessions, event_vocab, sessionize

    log = pd.DataFrame({"user": ["u", "v"] * 5, "timestamp": np.repeat([0, 10, 10, 20, 30], 2),
                        "event": np.repeat(["login", "view", "cart", "checkout", "logout"], 2)})
    newest_first = log.iloc[::-1].reset_index(drop=True)
    order = ["login", "view", "cart", "checkout", "logout"]
    with pytest.warns(UserWarning, match="newest first") as caught:
        sessions = sessionize(newest_first)
    assert caught[0].filename == __file__  # at the user's call
    assert "df.sort_values(['user', 'timestamp'], kind='stable')" in str(caught[0].message)
    assert sessions.groupby("user")["event"].apply(list).tolist() == [order, order]
    assert _quiet(sessionize, log)["event"].tolist() == order * 2  # oldest first: as before
    vocab = event_vocab(log)
    with pytest.warns(UserWarning, match="newest first") as caught:
        item, target = EventSessions(sessions.iloc[::-1].reset_index(drop=True), vocab)[0]
    assert caught[0].filename == __file__
    assert vocab.decode(item["event"].tolist()) == order[:-1] and vocab.decode(target.tolist()) == order[1:]
    few = pd.DataFrame({"session": [0, 0, 0, 1, 1, 1], "timestamp": [10, 10, 0] * 2, "dt": [0.0, 0.0, 10.0] * 2,
                        "event": ["view", "cart", "login"] * 2})  # shuffled: two steps back in time, by chance
    with pytest.warns(UserWarning, match=r"session 0 holds 2 events at one time .* out of time order"):
        EventSessions(few, vocab)


def test_D38_08_bool_and_int32_labels_of_a_sequence_are_collated_as_class_ids():
    # before: per-sequence labels kept bool (is_fraud) or int32 (a dataset's own tensors), which F.cross_entropy
    # refuses ('expected target dtype to be Long or Byte, but got Bool'); per-step labels became int64 already
    import torch.nn.functional as F

    from rnnkit.data import pad_collate

    x = [np.zeros((3, 2), np.float32), np.zeros((2, 2), np.float32)]
    for labels in ([True, False], [torch.tensor(1, dtype=torch.int32), torch.tensor(0, dtype=torch.int32)]):
        y = pad_collate(list(zip(x, labels, strict=True))).y
        assert y.dtype == torch.int64 and y.tolist() == [1, 0]
        F.cross_entropy(torch.zeros(2, 2), y)  # read as it is
    assert pad_collate(list(zip(x, [0.5, 1.5], strict=True))).y.dtype == torch.float32  # regression targets


def test_D38_09_fullwidth_letters_and_digits_are_the_words_they_print_as():
    # before: 'ＰＣ' and '２０２４' (an IME's fullwidth forms) were words of their own beside 'PC' and '2024': the one
    # typed at predict time <unk> where the corpus held the other
    from rnnkit.data.text import SPECIALS, Vocab

    vocab = _quiet(Vocab.build, ["ＰＣ 買った ２０２４ ， ok", "PC"], level="word")
    assert vocab.itos[len(SPECIALS):] == ["PC", "2024", "ok", "買った", "，"]  # fullwidth punctuation stays
    assert vocab.encode("PC 2024").tolist() == vocab.encode("ＰＣ ２０２４").tolist() == [4, 5]
    lowered = _quiet(Vocab.build, ["Ｐｃ"], level="word", lower=True)
    assert lowered.itos[len(SPECIALS):] == ["pc"]
    assert _quiet(Vocab.build, ["ＰＣ"], level="char").itos[len(SPECIALS):] == ["Ｃ", "Ｐ"]  # as written
    with pytest.warns(UserWarning, match=r"Vocab: 1 token\(s\) are spelt otherwise than texts are read \(token 4, "
                                         r"'ＰＣ', reads as 'PC': fullwidth letters, .*rebuild it"):
        Vocab([*SPECIALS, "ＰＣ", "ok"], level="word")  # a vocabulary file of another tokenizer
    tokens = _quiet(Vocab.build, [["ＰＣ", "ok"], ["PC"]], level="word")  # pre-tokenized: read as strings are
    assert tokens.itos[len(SPECIALS):] == ["PC", "ok"]
    assert tokens.encode(["ＰＣ"]).tolist() == tokens.encode("ＰＣ").tolist() == [4]


def test_D38_10_a_fasta_record_of_no_sequence_is_named_with_where_and_a_fix(tmp_path):
    # before: "record 'a' (line 1) has no sequence" alone: nothing of why or what to do
    from rnnkit.data.bio import read_fasta

    path = tmp_path / "filtered.fa"
    path.write_text(">a\n>b\nACGT\n")
    with pytest.raises(ValueError, match=r"record 'a' \(line 1\) has no sequence \(line 2 is the next header\): an "
                                         r"empty record .*drop the empty records \(e\.g\. seqkit seq -m 1 in\.fa > "
                                         r"out\.fa\) or give this one its letters"):
        read_fasta(path)
    path.write_text(">a\nACGT\n>b\n")
    with pytest.raises(ValueError, match=r"record 'b' \(line 3\) has no sequence \(the file ends\)"):
        read_fasta(path)
    path.write_text(">a\nACGT\n\nAC\n>b\nGG\n")  # a blank line inside a record: skipped, as Biopython skips it
    assert [r.sequence for r in _quiet(read_fasta, path)] == ["ACGTAC", "GG"]


def test_D38_11_mix_at_snr_names_stereo_noise_and_how_to_fit_a_length():
    # before: a stereo noise of the signal's length was told to be cut or tiled to the signal's length (it was)
    from rnnkit.data.audio import mix_at_snr

    t = torch.arange(16000) / 16000
    signal = 0.3 * torch.sin(2 * torch.pi * 440 * t)
    noise = 0.1 * torch.randn(16000, 2, generator=torch.Generator().manual_seed(0))  # (N, C), read_wav(mono=False)
    with pytest.raises(ValueError, match=r"mix_at_snr: the noise has shape \(16000, 2\) but the signal \(16000,\); "
                                         r"the noise is a recording of 2 channels \(\(N, C\)\), .*mix it to mono "
                                         r"first \(noise\.mean\(1\); read_wav\(path\) reads a mono mix by default\)$"):
        mix_at_snr(signal, noise, 10)
    with pytest.raises(ValueError, match=r"2 channels \(\(C, N\)\), .*\(noise\.mean\(0\);"):
        mix_at_snr(signal, noise.T, 10)
    with pytest.raises(ValueError, match=r"tile the noise to the signal's length \(noise\.repeat\(3\)\[:16000\] of a "
                                         r"tensor, np\.resize\(noise, 16000\) of an array\)"):
        mix_at_snr(signal, noise[:7000, 0], 10)
    with pytest.raises(ValueError, match=r"cut the noise to the signal's length \(noise\[:8000\]\)"):
        mix_at_snr(signal[:8000], noise[:, 0], 10)
    mixed = mix_at_snr(signal, noise.mean(1), 10)  # the fix, followed
    assert 10 * torch.log10(signal.square().mean() / (mixed - signal).square().mean()) == pytest.approx(10, abs=1e-3)


def test_D38_12_a_session_label_written_on_one_row_is_named_with_the_fix_that_spreads_it():
    # before: "fill missing ones" alone: a fill along the log (ffill) carries one session's label into the next
    from rnnkit.data.events import EventSessions, event_vocab, sessionize

    log = pd.DataFrame({"user": ["u"] * 3 + ["v"] * 3, "timestamp": [0, 10, 20] * 2,
                        "event": ["login", "pay", "logout"] * 2, "fraud": [np.nan, np.nan, 1, np.nan, np.nan, 0]})
    sessions, vocab = sessionize(log), event_vocab(log)
    with pytest.raises(ValueError, match=r"target column 'fraud' has nan at row 0; .* each session holds a label on "
                                         r"some of its rows: .*df\['fraud'\] = df\.groupby\('session'\)\['fraud'\]"
                                         r"\.transform\('max'\)$"):
        EventSessions(sessions, vocab, target="fraud")
    spread = sessions.assign(fraud=sessions.groupby("session")["fraud"].transform("max"))  # the fix, followed
    assert [int(y) for _, y in EventSessions(spread, vocab, target="fraud")] == [1, 0]
    unlabelled = sessions.assign(fraud=[np.nan, np.nan, 1, np.nan, np.nan, np.nan])  # v has no label: no such hint
    with pytest.raises(ValueError, match=r"fill missing ones and map labels to ids$"):
        EventSessions(unlabelled, vocab, target="fraud")
