"""Round 44, the loaders: Unix times divided by the wrong power of ten, pad_sequences of an empty item, labels keyed
by file names (see docs/bad_inputs.md)."""
import warnings

import numpy as np
import pytest


def _dated_log(unit: str):
    import pandas as pd

    dates = pd.to_datetime(pd.Series(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 12:00"]))
    return pd.DataFrame({"user": 1, "event": ["a", "b", "c"], "dates": dates.astype(f"datetime64[{unit}]")})


@pytest.mark.parametrize("unit, held, units, factor", [
    ("s", "from 1 to 1", "thousands of millions of seconds", "1000000000"),
    ("ms", "from 1704 to 1704", "millions of seconds", "1000000")])
def test_D44_01_sessionize_warns_of_unix_seconds_over_a_power_of_ten(unit, held, units, factor):
    from rnnkit.data.events import sessionize
    log = _dated_log(unit)  # dates kept in seconds or milliseconds, as some readers give them under pandas 3
    log["t"] = log["dates"].astype("int64") // 10**9  # pandas 2's idiom for Unix seconds
    with pytest.warns(UserWarning, match=rf"column 't' holds whole numbers {held}, Unix times in {units}.*"
                                         rf"count {'seconds' if unit == 's' else 'milliseconds'}, not nanoseconds.*"
                                         rf"every gap is {factor} times too short.*astype\('datetime64\[s\]'\)"):
        out = sessionize(log, time="t")
    assert out["session"].tolist() == [0, 0, 0]  # as read: events 1 h 55 min apart in one session


def test_D44_01_seconds_and_small_counts_stay_quiet():
    from rnnkit.data.events import sessionize
    log = _dated_log("s")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log["t"] = log["dates"].astype("int64")  # Unix seconds
        assert sessionize(log, time="t")["session"].tolist() == [0, 0, 1]
        log["t"] = [1, 2, 3]  # seconds from a start, or a counter: gaps of one
        assert sessionize(log, time="t")["session"].tolist() == [0, 0, 0]
        log["t"] = [1200, 1500, 2400]  # seconds from a start within minutes 16 .. 42, none in one second
        assert sessionize(log, time="t")["session"].tolist() == [0, 0, 0]


def _clips(tmp_path, n=3):
    import wave
    files = []
    for i in range(n):
        f = tmp_path / f"c{i}.wav"
        with wave.open(str(f), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
            w.writeframes((np.sin(np.arange(2000) / (3 + i)) * 1e4).astype("<i2").tobytes())
        files.append(f)
    return files


@pytest.mark.parametrize("keys", ["name", "stem", "path", "series"])
def test_D44_02_labels_keyed_by_file_names_go_to_their_files(tmp_path, keys):
    import pandas as pd

    from rnnkit.data.audio import AudioDataset
    files = _clips(tmp_path)
    table = {"c2.wav": 1, "c1.wav": 1, "c0.wav": 0}  # a labels table in another order than the files
    if keys == "stem":
        table = {k[:-4]: v for k, v in table.items()}
    elif keys == "path":
        table = {str(tmp_path / k): v for k, v in table.items()}
    labels = pd.Series(table) if keys == "series" else table
    assert AudioDataset(files, labels, sample_rate=8000).labels.tolist() == [0, 1, 1]


def test_D44_02_labels_keyed_by_names_missing_a_file_are_refused(tmp_path):
    from rnnkit.data.audio import AudioDataset
    files = _clips(tmp_path)
    with pytest.raises(ValueError, match=r"AudioDataset: labels are keyed by the files' names, but 1 of the 3 files "
                                         r"have no label \(e\.g\. .*c2\.wav; the keys have 'c2\.wv'\); give every "
                                         r"file a label"):
        AudioDataset(files, {"c0.wav": 0, "c1.wav": 1, "c2.wv": 0}, sample_rate=8000)
    with pytest.raises(ValueError, match=r"labels are keyed \(dict of keys \['a', 'b'\]\), but no key is a file's "
                                         r"path, name or name without the extension"):
        AudioDataset(files, {"a": 0, "b": 1, "c": 0}, sample_rate=8000)


@pytest.mark.parametrize("labels, read", [
    (lambda pd: [1, 0, 1], [1, 0, 1]),
    (lambda pd: pd.Series([1, 0, 1]), [1, 0, 1]),
    (lambda pd: np.array([1, 0, 1]), [1, 0, 1]),
    (lambda pd: pd.Series([1, 0, 1], index=["rec-b", "rec-a", "rec-c"]), [1, 0, 1]),  # a table's own ids, in order
    (lambda pd: {2: 1, 0: 0, 1: 1}, [0, 1, 1]),  # a dict by positions: c0.wav .. c2.wav are not named by them
])
def test_D44_02_labels_by_position_read_as_before(tmp_path, labels, read):
    import pandas as pd

    from rnnkit.data.audio import AudioDataset
    files = _clips(tmp_path)
    assert AudioDataset(files, labels(pd), sample_rate=8000).labels.tolist() == read


def test_D44_03_vocab_of_the_specials_alone_is_refused():
    from rnnkit.data.text import Vocab
    texts = ["the cat sat", "the dog ran", "a cat ran"]
    with pytest.raises(ValueError, match=r"Vocab.build: max_size=4 holds the 4 special tokens .* alone, so every one "
                                         r"of the corpus's 6 word tokens would be <unk>.*pass max_size=10 \(or None\)"):
        Vocab.build(texts, level="word", max_size=4)
    assert len(Vocab.build(texts, level="word", max_size=5)) == 5  # one token kept: as before


@pytest.mark.parametrize("size, fix", [(0, r"for no limit pass max_size=None"),
                                       (-1, r"for no limit pass max_size=None"), (1e4, r"pass max_size=10000$")])
def test_D44_03_vocab_max_size_of_no_limit_or_a_float_names_the_fix(size, fix):
    from rnnkit.data.text import Vocab
    with pytest.raises(ValueError, match=rf"max_size counts the 4 special tokens, so it must be an integer >= 4, got "
                                         rf".*; {fix}"):
        Vocab.build(["the cat sat"], level="word", max_size=size)


def test_D44_04_store_of_another_feature_count_names_the_fix(tmp_path):
    from rnnkit.data.memmap import write_ragged
    with pytest.raises(ValueError, match=r"sequence 1 has per-step shape \(3,\) but the store holds \(2,\) \(sequence "
                                         r"0's, shape \(3, 2\)\); a store holds one per-step shape: give every "
                                         r"sequence \(2,\) per step .*or write the sequences of each shape"):
        write_ragged(tmp_path / "s", [np.ones((3, 2)), np.ones((4, 3))])


@pytest.mark.parametrize("item, words", [(np.ones((0, 2)), r"sequence 1 has no step \(shape \(0, 2\)\).*drop empty "
                                                           r"sequences before writing them"),
                                         (3.0, r"sequence 1 is one value \(3\.0\), not a sequence")])
def test_D44_04_store_of_an_empty_item_or_a_value_says_which_and_the_fix(tmp_path, item, words):
    from rnnkit.data.memmap import write_ragged
    with pytest.raises(ValueError, match=rf"RaggedWriter: {words}"):
        write_ragged(tmp_path / "s", [np.ones((3, 2)), item])


@pytest.mark.parametrize("shape, fix", [((4, 16, 16, 4), r"convert them: frames\[\.\.\., :3\] \(RGBA frames"),
                                        ((4, 4, 16, 16), r"convert them: frames\.transpose\(0, 2, 3, 1\)\[\.\.\., :3\] "
                                                         r"\(RGBA"),
                                        ((4, 3, 16, 16), r"convert them: frames\.transpose\(0, 2, 3, 1\)$")])
def test_D44_05_write_video_of_rgba_or_channels_first_uint8_names_the_axes_fix(tmp_path, shape, fix):
    pytest.importorskip("cv2")
    from rnnkit.data.video import write_video
    frames = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)  # PNGs read with alpha, as uint8
    with pytest.raises(ValueError, match=rf"got uint8 \({', '.join(map(str, shape))}\); {fix}"):
        write_video(tmp_path / "a.avi", frames)
    assert not (tmp_path / "a.avi").exists()


def test_D44_06_raw_samples_under_a_wav_name_are_named_with_the_header_fix(tmp_path):
    from rnnkit.data.audio import read_wav
    f = tmp_path / "take.wav"
    f.write_bytes((np.sin(np.arange(800) / 5) * 1e4).astype("<i2").tobytes())  # a .raw export renamed: no header
    with pytest.raises(ValueError, match=r"take\.wav is not a WAV file: it begins b'.*', not with the 'RIFF' header "
                                         r"every WAV file starts with; raw samples without a header.*sox -t raw -r "):
        read_wav(f)


def test_D44_06_text_under_a_wav_name_is_named_as_text(tmp_path):
    from rnnkit.data.audio import read_wav
    f = tmp_path / "take.wav"
    f.write_text("time,value\n0,0.1\n1,0.2\n")  # samples saved as a CSV under the recording's name
    with pytest.raises(ValueError, match=r"take\.wav is not a readable WAV file: it holds text \(it begins 'time,"
                                         r"value\\n.*give the recording itself; samples written as numbers in text\? "
                                         r"read them \(np\.loadtxt\)"):
        read_wav(f)


def test_D44_07_events_of_another_case_and_padding_are_told():
    import pandas as pd

    from rnnkit.data.events import event_vocab, sessionize
    log = sessionize(pd.DataFrame({"user": [1, 1, 2, 2], "event": ["view", "cart", "View ", "view"],
                                   "timestamp": [0, 10, 0, 10]}))  # two exports: one title case and padded
    with pytest.warns(UserWarning, match=r"column 'event' has events that differ only by case and spaces \('view' at "
                                         r"row \d, 'View ' at row \d\), read as two events; if they are one, make "
                                         r"them one \(df\['event'\] = df\['event'\]\.str\.strip\(\)\.str\.lower\(\)\)"):
        event_vocab(log)


# review mends: legitimate logs and labels stay quiet or read as meant
def test_D44_01_pin_years_and_day_indices_stay_quiet():
    import pandas as pd

    from rnnkit.data.events import sessionize
    log = pd.DataFrame({"user": 1, "event": list("abcde")})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log["t"] = [2020, 2020, 2021, 2021, 2022]  # years, not Unix times in millions of seconds
        assert sessionize(log, time="t", gap=0.5)["session"].tolist() == [0, 0, 1, 1, 2]
        log["t"] = [1, 1, 1, 2, 2]  # day or step indices 1 and 2, not thousands of millions of seconds
        assert sessionize(log, time="t", gap=0.5)["session"].tolist() == [0, 0, 0, 1, 1]


def test_D44_07_codes_that_case_tells_apart_are_told_how_to_silence():
    import pandas as pd

    from rnnkit.data.events import event_vocab, sessionize
    log = sessionize(pd.DataFrame({"user": [1, 1, 2, 2], "event": ["A", "a", "B", "a"], "timestamp": [0, 10, 0, 10]}))
    with pytest.warns(UserWarning, match=r"differ only by case \('A' at row \d, 'a' at row \d\).*if case tells them "
                                         r"apart \(codes 'A' and 'a'\), silence this with warnings\.filterwarnings\("
                                         r"'ignore', message='\.\*differ only by case'\)"):
        event_vocab(log)
    with warnings.catch_warnings():  # the filter it names silences it
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*differ only by case")
        assert {"A", "a"} <= set(event_vocab(log).itos)


def test_D44_02_keys_sharing_a_name_in_two_folders_are_refused(tmp_path):
    from rnnkit.data.audio import AudioDataset
    (tmp_path / "a").mkdir()
    files = _clips(tmp_path / "a", n=2)
    # keys of another root: matched by name alone, where 'a/c0.wav' and 'b/c0.wav' share one
    table = {"a/c0.wav": 0, "a/c1.wav": 1, "b/c0.wav": 1, "b/c1.wav": 0}
    with pytest.raises(ValueError, match=r"AudioDataset: labels are keyed by paths that the files match only by their "
                                         r"names, and keys 'a/c0\.wav' and 'b/c0\.wav' share 'c0\.wav' \(two folders\)"
                                         r".*key the labels by the files' paths as given in files"):
        AudioDataset(files, table, sample_rate=8000)
    by_path = {str(f): v for f, v in zip(files, [1, 0], strict=True)}  # the fix
    assert AudioDataset(files, by_path, sample_rate=8000).labels.tolist() == [1, 0]
