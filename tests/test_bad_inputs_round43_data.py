"""Round 43, the loaders: a store copied in part, frames and videos as a user's own files give them (see
docs/bad_inputs.md)."""
import warnings
from pathlib import Path

import numpy as np
import pytest

from rnnkit.data.memmap import RaggedStore, write_ragged


@pytest.mark.parametrize("name", ["data.npy", "offsets.npy", "labels.npy"])
def test_D43_01_store_cut_short_named_as_cut_short(tmp_path, name):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2)), np.full((4, 2), 2.0)], labels=[0, 1])
    f = path / name
    f.write_bytes(f.read_bytes()[:-8])  # a copy that stopped 8 bytes before the end
    with pytest.raises(ValueError, match=rf"{name} is cut short: it holds \d+ of the \d+ bytes its header declares"
                                         r".*copy the store's directory again"):
        RaggedStore(path)


def test_D43_01_store_cut_inside_header_named(tmp_path):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2))])
    f = path / "data.npy"
    f.write_bytes(f.read_bytes()[:20])
    with pytest.raises(ValueError, match=r"data.npy is cut short: it holds 20 bytes, cut inside its header"):
        RaggedStore(path)


def test_D43_01_store_still_being_written_named_with_its_writer(tmp_path):
    # a RaggedWriter open in another process (or a notebook's writer not yet closed): no meta.json yet
    from rnnkit.data.memmap import RaggedWriter
    w = RaggedWriter(tmp_path / "s")
    w.append(np.ones((3, 2)), 0)
    with pytest.raises(ValueError, match=r"RaggedStore: .*s has no meta\.json yet, and a RaggedWriter's data is there "
                                         r"uncommitted \(\.data\.npy\..*\.tmp, \d+ bytes\): a writer still running.*"
                                         r"open the store once the writer has closed"):
        RaggedStore(tmp_path / "s")
    w.close()
    assert len(RaggedStore(tmp_path / "s")) == 1


def test_D43_01_whole_store_reads_as_before(tmp_path):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2)), np.full((4, 2), 2.0)], labels=[0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = RaggedStore(path)
        assert float(store[1][0].sum()) == 16.0


def _frames(*shapes):
    return [np.zeros(shape, np.uint8) for shape in shapes]


@pytest.mark.parametrize("frames, words", [
    (_frames((16, 16, 3), (16, 16, 3), (20, 24, 3)),
     r"frame 2 is 20x24 \(H x W\) RGB but frame 0 is 16x16 \(H x W\) RGB.*cv2\.resize\(f, \(16, 16\)\)"),
    (_frames((16, 16, 3), (16, 16)),
     r"frame 1 is 16x16 \(H x W\) grey but frame 0 is 16x16 \(H x W\) RGB.*cv2\.COLOR_GRAY2RGB"),
    (_frames((16, 16), (8, 12, 3)), r"frame 1 is 8x12 \(H x W\) RGB.*COLOR_GRAY2RGB.*then resize them.*\(16, 16\)"),
])
def test_D43_02_write_video_names_a_frame_of_another_size(tmp_path, frames, words):
    pytest.importorskip("cv2")
    from rnnkit.data.video import write_video
    with pytest.raises(ValueError, match=rf"write_video: {words}"):
        write_video(tmp_path / "v.avi", frames)
    assert not (tmp_path / "v.avi").exists()


def test_D43_02_write_video_list_of_one_size_written_as_before(tmp_path):
    pytest.importorskip("cv2")
    from rnnkit.data.video import read_video, write_video
    frames = [np.full((16, 16, 3), 40 * k, np.uint8) for k in range(3)]
    write_video(tmp_path / "v.avi", frames)
    assert np.array_equal(read_video(tmp_path / "v.avi"), np.stack(frames))


def test_D43_03_read_video_of_no_frame_names_it_and_the_fix(tmp_path):
    cv2 = pytest.importorskip("cv2")
    from rnnkit.data.video import read_video
    path = str(tmp_path / "empty.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (16, 16))  # stopped before its first frame
    writer.release()
    with pytest.raises(ValueError, match=r"read_video: .*empty\.avi has no frame that decodes \(its container lists 0\)"
                                         r": an empty video .*fetch it again"):
        read_video(path)


def _numbered_clips(folder, n=12):
    from rnnkit.data.audio import write_wav
    folder.mkdir()
    for k in range(1, n + 1):
        write_wav(folder / f"clip{k}.wav", np.full(800, 0.01 * k, np.float32), 8000)
    return sorted(folder.glob("*.wav"))  # clip1, clip10, clip11, clip12, clip2, ...


def test_D43_04_files_in_text_order_beside_labels_in_number_order_warned(tmp_path):
    from rnnkit.data.audio import AudioDataset
    files = _numbered_clips(tmp_path / "clips")
    labels = [k % 2 for k in range(1, 13)]  # a labels table of clips 1, 2, ..., 12
    with pytest.warns(UserWarning, match=r"AudioDataset: the files are in their names' order as text, numbered "
                                         r"without leading zeros \(clip1\.wav, clip10\.wav.*label 1, read by position, "
                                         r"goes to clip10\.wav.*it is clip2\.wav's.*sorted\(files, key="):
        AudioDataset(files, labels, sample_rate=8000)


def test_D43_04_files_in_number_order_or_of_one_label_quiet(tmp_path):
    import re

    from rnnkit.data.audio import AudioDataset
    files = _numbered_clips(tmp_path / "clips")
    labels = [k % 2 for k in range(1, 13)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_number = sorted(files, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))])
        AudioDataset(by_number, labels, sample_rate=8000)
        AudioDataset(files, [1] * 12, sample_rate=8000)  # one class folder's clips: no label moves
        AudioDataset(files[:3], [0, 1, 0], sample_rate=8000)  # clip1, clip10, clip11: text order is number order


def test_D43_04_labels_read_from_the_names_or_listed_with_their_paths_quiet(tmp_path):
    # labels each a number of its own file's name (UrbanSound8K's fsID-classID-occurrence-slice), in text order; paths
    # listed beside their labels in one table (a Series of paths, text order): aligned, whatever the order
    import pandas as pd

    from rnnkit.data.audio import AudioDataset, write_wav
    (tmp_path / "us").mkdir()
    names = ["99180-9-0-7.wav", "99180-9-0-12.wav", "100032-3-0-0.wav", "100263-2-0-3.wav", "100263-2-0-117.wav"]
    for k, name in enumerate(names):
        write_wav(tmp_path / "us" / name, np.full(800, 0.01 * (k + 1), np.float32), 8000)
    files = sorted((tmp_path / "us").glob("*.wav"))  # 100032, 100263-...-117, 100263-...-3, 99180-...-12, 99180-...-7
    from_names = [int(p.name.split("-")[1]) for p in files]
    table = pd.DataFrame({"path": [str(p) for p in _numbered_clips(tmp_path / "clips")]})
    table["label"] = [int(Path(p).stem[4:]) % 3 for p in table["path"]]  # each row's own label
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataset(files, from_names, sample_rate=8000)
        AudioDataset(table["path"], table["label"], sample_rate=8000)
    with pytest.warns(UserWarning, match=r"numbered without leading zeros"):  # a bare list of those labels is not
        AudioDataset(list(table["path"]), [k % 3 for k in range(1, 13)], sample_rate=8000)


def test_D43_04_zero_padded_or_unnumbered_names_quiet(tmp_path):
    from rnnkit.data.audio import AudioDataset, write_wav
    for folder, names in (("pad", [f"clip{k:02d}.wav" for k in range(1, 13)]),
                          ("words", ["dog.wav", "cat.wav", "bird.wav", "cow.wav"])):
        (tmp_path / folder).mkdir()
        for k, name in enumerate(names):
            write_wav(tmp_path / folder / name, np.full(800, 0.01 * (k + 1), np.float32), 8000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataset(sorted((tmp_path / "pad").glob("*.wav")), [k % 2 for k in range(12)], sample_rate=8000)
        AudioDataset(sorted((tmp_path / "words").glob("*.wav")), [0, 1, 0, 1], sample_rate=8000)


def _clip(path, n, value=60):
    cv2 = pytest.importorskip("cv2")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (16, 16))
    for k in range(n):
        writer.write(np.full((16, 16, 3), (value + 10 * k) % 250, np.uint8))
    writer.release()
    return path


def test_D43_05_video_dataset_warns_of_a_one_frame_file_beside_clips(tmp_path):
    from rnnkit.data.video import VideoDataset
    files = [_clip(tmp_path / f"c{k}.avi", 12) for k in range(3)] + [_clip(tmp_path / "poster.avi", 1)]
    with pytest.warns(UserWarning, match=r"VideoDataset: file 3 \(.*poster\.avi\) holds 1 frame, where the files hold "
                                         r"a median of 12.*drop it from the files"):
        ds = VideoDataset(files, [0, 1, 0, 1], size=(16, 16))
    assert ds.lengths.tolist() == [12, 12, 12, 1]


def test_D43_05_video_dataset_of_one_frame_files_alone_quiet(tmp_path):
    from rnnkit.data.video import VideoDataset
    stills = [_clip(tmp_path / f"s{k}.avi", 1) for k in range(2)]
    short = [_clip(tmp_path / f"t{k}.avi", 3) for k in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        VideoDataset(stills, [0, 1], size=(16, 16))  # one-frame clips throughout: meant
        VideoDataset(stills[:1] + short, [0, 1, 0], size=(16, 16))  # beside clips of a few frames


def test_D43_05_a_set_of_many_stills_beside_clips_quiet(tmp_path):
    # 3 one-frame stills beside 5 clips of 12 frames: a set of stills and clips meant together (more than a quarter)
    from rnnkit.data.video import VideoDataset
    files = [_clip(tmp_path / f"s{k}.avi", 1) for k in range(3)] + [_clip(tmp_path / f"c{k}.avi", 12) for k in range(5)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(VideoDataset(files, [0, 1] * 4, size=(16, 16)).lengths) == [1, 1, 1] + [12] * 5


def _log():
    import pandas as pd
    return pd.DataFrame({"user_id": [1, 1, 2], "Action": ["view", "cart", "view"],
                         "Timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 12:00"])})


def test_D43_06_sessionize_names_the_columns_meant(tmp_path):
    from rnnkit.data.events import sessionize
    with pytest.raises(ValueError, match=r"lacks columns \['user', 'timestamp'\].*name them: sessionize\(df, "
                                         r"user='user_id', time='Timestamp'\)"):
        sessionize(_log())
    with pytest.raises(ValueError, match=r"sessionize\(df, user='user_id', time='event_time'\)"):
        sessionize(_log().rename(columns={"Timestamp": "event_time"}), user="user_id")


def test_D43_06_event_sessions_of_a_sessionized_log_names_the_event_column():
    from rnnkit.data.events import EventSessions, event_vocab, sessionize
    log = sessionize(_log(), user="user_id", time="Timestamp")
    vocab = event_vocab(log, event="Action")
    with pytest.raises(ValueError, match=r"EventSessions: the log has no column 'event' of events .*'Action'.*"
                                         r"EventSessions\(df, vocab, event=\.\.\., \.\.\.\)") as caught:
        EventSessions(log, vocab, time="Timestamp")
    assert "run sessionize" not in str(caught.value)  # it was sessionized
    with pytest.raises(ValueError, match=r"EventSessions\(df, vocab, event='Event ', \.\.\.\)"):
        EventSessions(log.rename(columns={"Action": "Event "}), vocab, time="Timestamp")
    assert len(EventSessions(log, vocab, event="Action", time="Timestamp")) >= 1  # named, it reads as before


def test_D43_07_sessionize_warns_of_unix_times_in_thousands_of_seconds():
    import pandas as pd

    from rnnkit.data.events import sessionize
    log = _log().assign(user_id=1)  # one user: 10:00, 10:05, then 12:00
    dates = pd.to_datetime(pd.Series(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 12:00"]).astype(str))
    dates = dates.astype("datetime64[us]")  # pandas 3's dates: microseconds
    log["t"] = dates.astype("int64") // 10**9  # pandas 2's idiom for seconds: thousands of seconds here
    with pytest.warns(UserWarning, match=r"column 't' holds whole numbers from 1704103 to 1704110, Unix times in "
                                         r"thousands of seconds \(2024-01-01 .. 2024-01-01.*1000 times too short.*"
                                         r"astype\('datetime64\[s\]'\)"):
        out = sessionize(log, user="user_id", time="t")
    assert out["session"].tolist() == [0, 0, 0]  # as read: events 1 h 55 min apart in one session
    log["t"] = dates.astype("datetime64[s]").astype("int64")  # seconds: quiet, and the gap splits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sessionize(log, user="user_id", time="t")["session"].tolist() == [0, 0, 1]
        log["t"] = [0, 300, 7200]  # seconds from the log's start: quiet
        assert sessionize(log, user="user_id", time="t")["session"].tolist() == [0, 0, 1]


def test_D43_07_seconds_from_a_start_within_the_band_stay_quiet():
    # seconds counted from a study's start, days 12 .. 20 of it (1_036_800 ..): whole numbers in the band of Unix
    # thousands of seconds, but a user's events are seconds to minutes apart, never in one second
    import pandas as pd

    from rnnkit.data.events import sessionize
    rng = np.random.default_rng(3)
    t = 1_036_800 + np.cumsum(rng.integers(5, 900, size=60))
    log = pd.DataFrame({"user": np.repeat([1, 2, 3], 20), "t": t, "event": [f"e{k}" for k in range(60)]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sessionize(log, time="t")
    log["t"] = (1_704_067_200 + t) // 1000  # Unix times of such a log in thousands of seconds: most gaps 0
    with pytest.warns(UserWarning, match=r"Unix times in thousands of seconds"):
        sessionize(log, time="t")


@pytest.mark.parametrize("gap, words", [("30min", r"pass gap=pd\.Timedelta\('30min'\) \(0 days 00:30:00\)"),
                                        ("1800", r"pass the number: gap=1800")])
def test_D43_08_sessionize_gap_as_text_names_the_gap_to_give(gap, words):
    from rnnkit.data.events import sessionize
    with pytest.raises(ValueError, match=rf"got '{gap}'; {words}"):
        sessionize(_log(), user="user_id", time="Timestamp", gap=gap)
