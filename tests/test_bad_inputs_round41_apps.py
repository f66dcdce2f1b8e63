"""Round 41, recipes (rnnkit/apps, rnnkit/report.py): rows A41-01 .. of docs/bad_inputs.md's forty-first round.

A41-01 ``report.write_report`` of a markdown results table with a row missing a column (or one too many), a
       separator of other width than the header, or a table right below a line of text.
A41-02 ``dna.tatawa_peak``, ``one_hot``, ``kmer_profile`` of sequences read as a file's lines, newline kept; RNA
       (U for T) given to ``tatawa_peak``.
A41-03 ``spoken_digits.score_ctc`` / ``fit_ctc`` of transcripts written as '4 2', '555-0142' or 'Four two'.
A41-04 ``sentiment.prepare`` of one's own reviews scraped with their HTML (``<p>``, ``<i>``, ``&amp;``).
A41-05 ``surveillance.clips`` of a segment of a few frames, fewer than a clip.
A41-06 ``apps.format_over_runs`` of the runs' values themselves, of one number, or of a dict lacking its sd.
Each test fails on the commit before its fix."""

from __future__ import annotations

import html
import re
import warnings

import numpy as np
import pytest
import torch

from rnnkit.apps import dna, format_over_runs, over_runs, sentiment, spoken_digits, surveillance
from rnnkit.report import write_report

INFO = {"platform": "Linux", "torch": "2", "lightning": "2", "processor": "cpu", "cpu_threads": 2}
TABLE = "| model | accuracy | sd |\n|---|---|---|\n| lstm | 0.91 | 0.01 |\n"


@pytest.mark.parametrize("markdown, match", [
    (TABLE + "| gru | 0.02 |\n", r"row 2 of the table at line 1 .*has 2 cell\(s\) but the header 3 \(model, accuracy, "
                                 r"sd\).*values under the first columns.*one cell per column"),
    (TABLE + "| gru | 0.88 | 0.02 | 5 |\n", r"row 2 .*has 4 cell\(s\) but the header 3.*last cell\(s\) dropped"),
    ("| model | accuracy | sd |\n|---|---|\n| lstm | 0.91 | 0.01 |\n",
     r"3 header cell\(s\) but 2 in its separator line.*paragraph of pipes.*---\|---\|---"),
    ("Test accuracy:\n" + TABLE, r"table at line 2 .*follows the line 'Test accuracy:' with no blank line.*put a "
                                 r"blank line before the table"),
])
def test_A41_01_report_table_row_missing_a_column_is_refused(tmp_path, markdown, match):
    with pytest.raises(ValueError, match=r"^write_report: .*" + match):
        write_report(tmp_path / "r", title="t", results={}, markdown=markdown, machine_info=INFO)
    assert not (tmp_path / "r").exists()  # nothing written


def test_A41_01_report_tables_as_written_are_kept(tmp_path):
    md = ("Intro.\n\n" + TABLE + "| `a|b` | x \\| y | 1 |\n\n```\n| a | b |\n|---|---|\n| 1 |\n```\n\n"
          "model | acc\n--- | ---\nlstm | 0.9\n")
    paths = write_report(tmp_path / "r", title="t", results={}, markdown=md, machine_info=INFO)
    assert paths["report.html"].read_text().count("<table>") == 2



@pytest.mark.parametrize("md", [
    "## Results\n| model | acc |\n|---|---|\n| lstm | 0.9 |\n",  # a heading right above: Python-Markdown's table
    "<!-- results -->\n| model | acc |\n|---|---|\n| lstm | 0.9 |\n",  # an HTML comment right above
    "| model | acc |\n|---|---|\n| ``a|b`` | 0.9 |\n",  # a pipe in a code span of two backticks
    "| a | b | c |\n|:---|:---:|---:|\n| 1 |  | |\n\n| d | e |\n| --- | --- |\n| 1 | 2 |\n",  # aligned, empty cells
    "Code:\n\n    | a | b |\n    |---|---|\n    | 1 |\n",  # an indented code block
    "~~~\n| a | b |\n|---|---|\n| 1 |\n~~~\n",  # a ~~~ block
    "````\n```\n| a | b |\n|---|---|\n| 1 |\n````\n",  # a ```` block holding ```
])
def test_A41_01_report_tables_python_markdown_shows_are_kept(tmp_path, md):
    import markdown as markdown_lib

    from rnnkit.report import _EXTENSIONS
    paths = write_report(tmp_path / "r", title="t", results={}, markdown=md, machine_info=INFO)
    tables = markdown_lib.markdown(md, extensions=_EXTENSIONS).count("<table>")
    assert paths["report.html"].read_text().count("<table>") == tables

PROMOTERS = ["ACGTTATAAAGG" * 3, "ACGTTATAAAGC" * 3]


@pytest.mark.parametrize("encode", [dna.tatawa_peak, dna.one_hot, dna.kmer_profile, dna.with_negatives])
def test_A41_02_dna_sequences_read_with_their_newline_are_refused(encode):
    lines = [s + "\n" for s in PROMOTERS]  # open(path).readlines(): the TATA box one base further from the end
    args = (lines, np.random.default_rng(0)) if encode is dna.with_negatives else (lines,)
    with pytest.raises(ValueError, match=r"sequence 0 holds '\\n' at position 36 of 37 \(2 sequence\(s\) hold "
                                         r"whitespace\).*''.join\(s.split\(\)\)"):
        encode(*args)
    assert dna.tatawa_peak(PROMOTERS, bin_bp=1) == [-32, -32]  # the bases alone: as before


def test_A41_02_tatawa_peak_of_rna_names_it():
    with pytest.raises(ValueError, match=r"tatawa_peak: sequence 1, position 0: invalid letter 'U'.*looks like RNA"):
        dna.tatawa_peak([PROMOTERS[0], "UAUAAAUAUAAA"])  # was the peak of the DNA alone, the RNA silently not counted
    assert dna.tatawa_peak(["acgtnnTATAAAggg"]) == [-10, -1]  # soft-masked and N: as before



def test_A41_02_a_fasta_read_by_read_fasta_and_ambiguity_codes_still_pass(tmp_path):
    from rnnkit.data.bio import read_fasta

    # Windows line ends, wrapped lines, trailing spaces: read_fasta gives the bases alone
    path = tmp_path / "p.fa"
    path.write_bytes(b">s1\r\nACGTTATAAAGGACGTTATAAAGG\r\nACGTTATAAAGG\r\n>s2\r\nACGTTATAAAGC  \r\n"
                     b"ACGTTATAAAGCACGTTATAAAGC\r\n")
    records = read_fasta(path)
    assert dna.tatawa_peak(records, bin_bp=1) == dna.tatawa_peak(PROMOTERS, bin_bp=1) == [-32, -32]
    assert dna.one_hot(records).shape == dna.one_hot(PROMOTERS).shape
    # an IUPAC ambiguity code holds a base's place: the boxes are placed as before (one_hot names it, as it did)
    assert dna.tatawa_peak(["ACGRYTATAAAGG"], bin_bp=1) == [-8, -8]
    # a record's lines joined with their '\r\n': two more than the bases
    with pytest.raises(ValueError, match=r"holds '\\r' at position 12 of 38 .*its length 2 more than its bases"):
        dna.tatawa_peak([PROMOTERS[0][:12] + "\r\n" + PROMOTERS[0][12:]])


@pytest.mark.parametrize("truth, match", [
    ("4 2", r"tuple\(int\(c\) for c in t if c.isdecimal\(\)\) gives \(4, 2\)"),
    ("555-0142", r"tuple\(int\(c\) for c in t if c.isdecimal\(\)\) gives \(5, 5, 5, 0, 1, 4, 2\)"),
    ("Four two", r"DIGIT_WORDS\[w\] for w in re.findall\('\[a-z\]\+', t.lower\(\)\).*gives \(4, 2\)"),
    (["nine", "Oh"], r"' '.join\(t\).lower\(\).*gives \(9, 0\)"),
    ("4²", r"tuple\(int\(c\) for c in t if c.isdecimal\(\)\) gives \(4,\)"),  # a superscript is no digit int() reads
])
def test_A41_03_transcripts_with_spaces_punctuation_or_words_get_a_fix_that_works(truth, match):
    # was "from text: tuple(map(int, '42'))", which fails on '4 2' and on words
    with pytest.raises(ValueError, match=r"score_ctc: digits\[0\] is .*integers 0-9.*" + match):
        spoken_digits.check_digit_strings([None], [truth], "score_ctc")
    assert spoken_digits.check_digit_strings([None], [(4, 2)], "score_ctc") == [(4, 2)]


SETTINGS = {"min_freq": 1, "max_vocab": 1000, "max_tokens": 100}
SCRAPED = [f"<p>A <i>great</i> film &amp; a fine cast, {i}</p>" if i % 2 else f"Dull and slow, {i}<br />"
           for i in range(120)]
LABELS = np.arange(120) % 2


def test_A41_04_reviews_with_html_markup_are_warned_of():
    with pytest.warns(UserWarning, match=r"prepare: 60 of 120 reviews hold HTML markup other than <br /> "
                                         r"\(texts\[1\] holds '<p>'\), which tokenize reads as words "
                                         r"\('<' 'p' '>'\).*html.unescape"):
        p = sentiment.prepare(SCRAPED, LABELS, SETTINGS, 0)
    assert "amp" in p.vocab.itos  # kept as it was: the markup's words, now said
    clean = [html.unescape(re.sub(r"<[^>]+>", " ", t)) for t in SCRAPED]
    few = clean[:119] + SCRAPED[119:]  # one of 120, below MARKUP_SHARE (IMDB's own: 12 of 24,901)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fix, <br /> and a few marked reviews are quiet
        assert "amp" not in sentiment.prepare(clean, LABELS, SETTINGS, 0).vocab.itos
        sentiment.prepare(few, LABELS, SETTINGS, 0)



def test_A41_04_reviews_of_other_corpora_with_lt_and_ampersands_stay_quiet():
    # tweets and product reviews: '<3', comparisons, brand names, e-mail addresses, an NLP corpus' sentence marks;
    # no HTML tag (a tag's name alone or with name=value attributes) nor an entity of HTML's names among them
    texts = ["I <3 this phone, great deal", "battery a < b than the old one", "bought it from AT&T, meh",
             "x<y on every test, awful", "rock & roll sound, love it", "mail me at bob@example.com, broken",
             "Ben&Jerry;s flavour of a phone, good", "<s> worst purchase ever </s>", "if x <b and y> z, bad"] * 12
    texts = [f"{t} (review {k})" for k, t in enumerate(texts)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sentiment.prepare(texts[:108], np.arange(108) % 2, SETTINGS, 0)
    with pytest.warns(UserWarning, match=r"36 of 108 reviews hold HTML markup other than <br /> "
                                         r"\(texts\[2\] holds '&amp;'\)"):
        sentiment.prepare([t.replace("&", "&amp;") for t in texts[:108]], np.arange(108) % 2, SETTINGS, 0)

def test_A41_05_clips_of_a_few_frames_names_the_segment_and_the_fix():
    frames = torch.rand(8, 1, 4, 4)  # a video of 8 frames
    # was "a segment of 3 frames holds no clip of 6; use more frames" (no function, no setting named)
    with pytest.raises(ValueError, match=r"^clips: segment range\(0, 3\) holds 3 frame\(s\), no clip of 6 \(5 in, "
                                         r"the next to predict\); give a segment of at least 6 frames.*or a context "
                                         r"of at most 2$"):
        surveillance.clips(frames, range(0, 3), 5)
    assert surveillance.clips(frames, range(0, 8), 7).shape == (1, 8, 1, 4, 4)  # one clip: as before


@pytest.mark.parametrize("stat, match", [
    ([0.91, 0.88], r"got list \[0.91, 0.88\]; give format_over_runs\(over_runs\(values\)\)"),
    (np.array([0.91, 0.88]), r"got ndarray .*; give format_over_runs\(over_runs\(values\)\)"),
    (0.91, r"got float 0.91; give format_over_runs\(over_runs\(\[value\]\)\) for one run's value"),
    ({"mean": 0.91}, r"got a dict of keys \['mean'\]; give format_over_runs\(over_runs\(values\)\)"),
])
def test_A41_06_format_over_runs_of_what_is_not_over_runs_dict_is_refused(stat, match):
    # was a KeyError 'sd' or a TypeError ("list indices must be integers or slices, not str")
    with pytest.raises(ValueError, match=r"^format_over_runs: stat must be over_runs' dict \{'mean', 'sd', 'runs'\}, "
                                         + match):
        format_over_runs(stat)
    assert format_over_runs(over_runs([0.9, 0.8])) == "0.850 ± 0.071"  # as before


def test_A41_06_format_over_runs_reads_a_row_of_a_frame_of_its_dicts():
    import pandas as pd

    # over_runs' dicts gathered into a frame (or read back from report.json): a row is a Series of the same keys
    rows = pd.DataFrame([over_runs([0.9, 0.8]), over_runs([0.7])])
    assert [format_over_runs(rows.iloc[i]) for i in range(2)] == ["0.850 ± 0.071", "0.700"]
    with pytest.raises(ValueError, match=r"got a Series of keys \['mean'\]; give format_over_runs\(over_runs"):
        format_over_runs(pd.Series({"mean": 0.91}))
