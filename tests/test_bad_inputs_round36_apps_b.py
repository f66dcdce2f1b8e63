"""Thirty-sixth round, apps, second pass: the spoken-digit and surveillance recipes' data helpers with one's own
voices, counts and paths.

A36-13 ``spoken_digits.split_voices`` of one voice, of a voice named twice, of one str.
A36-14 ``surveillance.video_fps`` of a path that is not a file.
A36-15 ``spoken_digits.digit_clips(voices, 0)``, more renditions than the grid holds; ``digit_strings(voices, 0)``.
A36-16 ``sentiment.truncate(text, n)`` of a review's text where its tokens belong.
"""

import pytest

from rnnkit.apps import sentiment, spoken_digits, surveillance


def test_A36_13_split_voices_of_fewer_than_two_voices_or_a_voice_twice_is_refused():
    # before: ([], ['en']): no voice to train on, without a word
    with pytest.raises(ValueError, match=r"split_voices: got 1 voice\(s\) \(\['en'\]\), but the split needs a voice to "
                                         r"train on and another, unseen, to test on"):
        spoken_digits.split_voices(["en"])
    # before: a voice listed twice counted twice toward the test fraction
    with pytest.raises(ValueError, match=r"split_voices: got 5 voice\(s\) with \['f2'\] named more than once; .*"
                                         r"sorted\(set\(voices\)\)"):
        spoken_digits.split_voices(["f2", "m3", "f2", "m1", "f4"])
    with pytest.raises(ValueError, match=r"split_voices: voices is one str \('f2'\)"):  # before: ('2',) and ('f',)
        spoken_digits.split_voices("f2")
    train, test = spoken_digits.split_voices(["f2", "m3", "m1", "f4"])
    assert len(test) == 1 and sorted(train + test) == ["f2", "f4", "m1", "m3"]


def test_A36_14_video_fps_of_a_path_that_is_not_a_file_is_refused(tmp_path):
    # before: None, as for a container that gives no frame rate
    with pytest.raises(FileNotFoundError, match=r"video_fps: '.*vtest\.av' is not a file"):
        surveillance.video_fps(tmp_path / "vtest.av")
    with pytest.raises(FileNotFoundError, match=r"is not a file"):
        surveillance.video_fps(tmp_path)


def test_A36_15_digit_clips_and_strings_of_no_clip_are_refused():
    grid = len(spoken_digits.ACCENTS) * len(spoken_digits.SPEEDS) * len(spoken_digits.PITCHES)
    # before: [] for 0; numpy's "Cannot take a larger sample than population when replace is False" beyond the grid
    for renditions in (0, grid + 1, 2.0):
        with pytest.raises(ValueError, match=rf"digit_clips: renditions must be an integer from 1 to {grid} "):
            spoken_digits.digit_clips(["f2"], renditions)
    with pytest.raises(ValueError, match=r"digit_strings: per_voice must be an integer >= 1"):  # before: []
        spoken_digits.digit_strings(["f2"], 0)
    assert len(spoken_digits.digit_clips(["f2"], grid)) == 10 * grid
    assert len(spoken_digits.digit_strings(["f2", "m3"], 2)) == 4


def test_A36_16_truncate_of_a_text_where_its_tokens_belong_is_refused():
    # before: ['l', 'm'], the last two characters kept as tokens
    with pytest.raises(ValueError, match=r"truncate: tokens is the text 'a fine film', not a list of tokens, so its "
                                         r"last 2 characters would be kept; .*truncate\(tokenize\(text\)"):
        sentiment.truncate("a fine film", 2)
    assert sentiment.truncate(sentiment.tokenize("a fine film"), 2) == ["fine", "film"]
