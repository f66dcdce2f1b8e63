"""Round 31 of bad input to the loaders (docs/bad_inputs.md, D31-01 ...): a new user's own data in the forms their
tools give it: padded ids in an event log, pandas frames and Series in other orders, ..."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.audio import AudioDataset, write_wav
from rnnkit.data.bio import BioSequenceDataset
from rnnkit.data.collate import pad_collate, pad_sequences
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.memmap import RaggedStore, write_ragged
from rnnkit.data.text import BPTTBatches, TextClassificationDataset, Vocab, batchify
from rnnkit.data.video import VideoDataset, frames_to_tensor, read_video


def test_D31_01_a_user_id_padded_with_a_space_is_refused_not_split():
    # a CSV whose user cells are padded on some rows: 'u7 ' would be a user of its own, cutting u7's session in two
    log = pd.DataFrame({"user": ["u7", "u7 ", "u7", "b"], "timestamp": [0.0, 60.0, 120.0, 0.0],
                        "event": ["login", "view", "buy", "view"]})
    with pytest.raises(ValueError, match=r"column 'user' spells one user id in two ways that differ only by spaces "
                                         r"\('u7' at row 0, 'u7 ' at row 1\).*df\['user'\] = df\['user'\]\.str\.strip"):
        sessionize(log)
    log["user"] = log["user"].str.strip()
    assert sessionize(log)["session"].tolist() == [0, 1, 1, 1]  # b, then u7's three events in one session
    # a log of the user's own session ids, as EventSessions reads them
    own = pd.DataFrame({"session": ["s1", "s1 ", "s1"], "dt": [0.0, 5.0, 5.0], "event": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"column 'session' spells one session id in two ways"):
        EventSessions(own, event_vocab(own))


def test_D31_02_data_frames_with_their_columns_in_another_order_are_read_by_name():
    a = pd.DataFrame({"temp": [20.0, 21.0], "humidity": [0.5, 0.6]})
    b = pd.DataFrame({"humidity": [0.7], "temp": [22.0]})  # built by another code path, or read from another file
    x = pad_sequences([a, b])
    assert x[1, 0].tolist() == pytest.approx([22.0, 0.7])  # temp first, as in the first frame
    batch = pad_collate([(a, 0), (b, 1)])
    assert batch.x[1, 0].tolist() == pytest.approx([22.0, 0.7])
    with pytest.raises(ValueError, match=r"sequence 1 is a DataFrame of the columns \['humidity', 'pressure'\] but "
                                         r"sequence 0 of \['temp', 'humidity'\] \(missing \['temp'\], not expected "
                                         r"\['pressure'\]\)"):
        pad_sequences([a, pd.DataFrame({"humidity": [0.7], "pressure": [1013.0]})])


def test_D31_03_files_and_labels_as_series_of_other_indexes_are_refused(tmp_path):
    meta = pd.DataFrame({"path": [str(tmp_path / f"{w}.wav") for w in ("yes", "no", "yes2")], "label": [1, 0, 1]})
    for p in meta["path"]:
        write_wav(p, np.zeros(800, np.float32), 8000)
    shuffled = meta.sample(frac=1.0, random_state=1)  # shuffled for a split; the labels taken from the frame
    with pytest.raises(ValueError, match=r"files and labels are pandas objects of other indexes .*labels\.loc\[files"
                                         r"\.index\]"):
        AudioDataset(shuffled["path"], meta["label"], sample_rate=8000)
    ds = AudioDataset(shuffled["path"], shuffled["label"], sample_rate=8000)
    assert [int(y) for _, y in ds] == shuffled["label"].tolist()
    with pytest.raises(ValueError, match=r"files and labels are pandas objects of other indexes"):
        VideoDataset(pd.Series(["b.avi", "a.avi"], index=[1, 0]), pd.Series([0, 1]))


def test_D31_04_a_ragged_store_of_series_of_other_indexes_is_refused(tmp_path):
    seqs = pd.Series([np.ones((3, 2)), np.zeros((2, 2))], index=[1, 0])
    labels = pd.Series([7, 8], index=[0, 1])
    with pytest.raises(ValueError, match=r"sequences and labels are pandas objects of other indexes"):
        write_ragged(tmp_path / "store", seqs, labels)
    assert not (tmp_path / "store").exists()  # nothing written
    write_ragged(tmp_path / "store", seqs, labels.loc[seqs.index])
    assert int(RaggedStore(tmp_path / "store")[0][1]) == 8


def test_D31_05_texts_and_token_ids_given_as_generators_are_read():
    vocab = Vocab.build(["the cat", "a dog"], level="word")
    lines = (line.strip() for line in ["the cat\n", "a dog\n"])  # a file's lines, as a generator
    ds = TextClassificationDataset(lines, iter([0, 1]), vocab)
    assert [x.tolist() for x, _ in ds] == [vocab.encode("the cat").tolist(), vocab.encode("a dog").tolist()]
    assert batchify((i for i in range(10)), 2).tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert len(BPTTBatches((i for i in range(20)), 2, 3)) == 3


def test_D31_06_byte_order_marks_inside_a_text_are_no_token():
    # files saved by Notepad, read with Path.read_text (which keeps the BOM) and joined: one BOM per file
    joined = "".join(["\ufeffto be\n", "\ufeffor not\n"])
    vocab = Vocab.build([joined])
    assert "\ufeff" not in vocab.stoi
    assert vocab.decode_text(vocab.encode(joined)) == "to be\nor not\n"
    assert Vocab.build([joined], level="word").itos[4:] == ["be", "not", "or", "to"]
    assert "\ufeff" in Vocab.build(["a\ufeffb"])  # inside a line it is a character (a zero-width space), as E13-04


def test_D31_07_a_word_vocabulary_of_chinese_or_thai_clauses_is_warned_of():
    texts = ["我爱北京天安门", "今天天气很好", "สวัสดีครับ ขอบคุณครับ"]  # written without spaces between words
    with pytest.warns(UserWarning, match=r"Vocab.build: 4 of the corpus's 4 word tokens are runs of Chinese, Japanese "
                                         r"or Thai letters .*use level='char', or split the texts into words first"):
        Vocab.build(texts, level="word")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Vocab.build(["我 爱 北京", "the cat sat"], level="word")  # segmented text, and text with spaces: no warning
        Vocab.build(["Tokyo 東京 is big", "and Kyoto 京都 too", "a b c d e f"], level="word")  # a few names
        Vocab.build(texts, level="char")


def test_D31_08_logs_sessionized_one_by_one_and_joined_are_refused():
    day1 = pd.DataFrame({"user": ["a", "a", "b", "b"], "event": ["login", "view", "login", "buy"],
                         "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 09:01", "2024-01-01 09:00",
                                                      "2024-01-01 09:02"])})
    day2 = day1.assign(timestamp=day1["timestamp"] + pd.Timedelta(days=1), event=["login", "logout", "login", "view"])
    joined = pd.concat([sessionize(day1), sessionize(day2)], ignore_index=True)  # both number their sessions 0, 1
    with pytest.raises(ValueError, match=r"session 0 gathers the events of several sessions: its event at 2024-01-02 "
                                         r"09:00:00 has dt 0, .* \(2 such in all\): .*sessionize\(pd\.concat"):
        EventSessions(joined, event_vocab(joined))
    once = sessionize(pd.concat([day1, day2], ignore_index=True))
    ds = EventSessions(once, event_vocab(once))
    assert len(ds) == 4 and ds.lengths.tolist() == [1, 1, 1, 1]
    # session ids counted per user (1, 2, ... for each), as some exports write them
    own = pd.DataFrame({"user": ["a", "a", "b", "b"], "session": [1, 1, 1, 1], "dt": [0.0, 5.0, 0.0, 7.0],
                        "event": ["x", "y", "x", "z"], "timestamp": [0.0, 5.0, 1.0, 8.0]})
    with pytest.raises(ValueError, match=r"session 1 gathers the events of several sessions: its event at 1\.0 is of "
                                         r"user 'b', the one before of user 'a'"):
        EventSessions(own, event_vocab(own))


def test_D31_09_a_store_of_data_frames_reads_their_columns_by_name(tmp_path):
    # one CSV per recording, written by two versions of a logger: the same columns in another order
    a = pd.DataFrame({"acc_x": [1.0, 2.0], "acc_y": [10.0, 20.0]})
    b = pd.DataFrame({"acc_y": [30.0], "acc_x": [3.0]})
    write_ragged(tmp_path / "store", [a, b])
    assert RaggedStore(tmp_path / "store")[1].tolist() == [[3.0, 30.0]]
    with pytest.raises(ValueError, match=r"sequence 1 is a DataFrame of the columns \['acc_y', 'acc_z'\] but the "
                                         r"store's first of \['acc_x', 'acc_y'\] \(missing \['acc_x'\], not expected "
                                         r"\['acc_z'\]\)"):
        write_ragged(tmp_path / "other", [a, pd.DataFrame({"acc_y": [1.0], "acc_z": [2.0]})])


def test_D31_10_the_advice_for_a_folder_of_frames_keeps_read_videos_rgb(tmp_path):
    cv2 = pytest.importorskip("cv2")
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 2] = 255  # OpenCV writes BGR: a red frame
    cv2.imwrite(str(tmp_path / "frame0.png"), red)
    (tmp_path / "clip.avi").write_bytes((tmp_path / "frame0.png").read_bytes())  # a frame saved under a video's name
    with pytest.raises(ValueError, match=r"is a PNG image, not a video .*cv2\.imread reads BGR.*cv2\.COLOR_BGR2RGB"):
        read_video(tmp_path / "clip.avi")
    # the advice, followed: read_video's channel order (RGB), red first
    folder = tmp_path
    frames = np.stack([cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(folder.glob("*.png"))])
    assert frames_to_tensor(frames)[0, :, 0, 0].tolist() == [1.0, 0.0, 0.0]


def test_D31_11_missing_reviews_written_as_nan_by_astype_str_are_warned_of():
    df = pd.DataFrame({"review": ["great film", np.nan, "dull", None], "label": [1, 0, 0, 1]})
    texts = [str(t) for t in df["review"]]  # ['great film', 'nan', 'dull', 'None']; numpy's astype(str) alike
    vocab = Vocab.build(texts, level="word")
    with pytest.warns(UserWarning, match=r"TextClassificationDataset: 2 text\(s\) are 'nan' \(the first is text 1\), "
                                         r"what str\(\) writes for a missing value .*df\.dropna\(subset=\[col\]\)"):
        TextClassificationDataset(texts, df["label"].to_numpy(), vocab)
    kept = df.dropna(subset=["review"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(TextClassificationDataset([str(t) for t in kept["review"]], kept["label"].to_numpy(), vocab)) == 2


def test_D31_12_a_missing_sequence_written_as_nan_is_not_read_as_dna():
    df = pd.DataFrame({"seq": ["ACGTAC", np.nan], "label": [1, 0]})
    seqs = df["seq"].to_numpy().astype(str)  # numpy writes the missing cell as 'nan': the bases N, A, N
    with pytest.raises(ValueError, match=r"sequence 1 is 'nan', what str\(\) writes for a missing value .*"
                                         r"df\.dropna\(subset=\[col\]\)"):
        BioSequenceDataset(seqs, df["label"].to_numpy())
    with pytest.raises(ValueError, match=r"sequence 0 is 'None', what str\(\) writes"):
        BioSequenceDataset([str(None)])
    assert len(BioSequenceDataset(["NNACGT", "nanACGT"])) == 2  # N runs and soft-masked bases still read


def test_D31_13_a_missing_event_written_as_nan_is_warned_of():
    raw = pd.DataFrame({"user": ["a", "a", "a"], "timestamp": [0.0, 5.0, 9.0], "event": ["view", np.nan, "buy"]})
    log = sessionize(raw.assign(event=raw["event"].to_numpy().astype(str)))  # numpy writes the empty cell 'nan'
    with pytest.warns(UserWarning, match=r"column 'event' has 1 event\(s\) named 'nan' \(first at row 1\), what "
                                         r"str\(\) writes for a missing value .*df\.dropna\(subset=\['event'\]\)"):
        event_vocab(log)
    with pytest.warns(UserWarning, match=r"named 'nan'"):
        EventSessions(log, Vocab.build([["view", "buy"]], level="token"))
