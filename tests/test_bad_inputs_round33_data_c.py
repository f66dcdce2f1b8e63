"""Thirty-third round of bad inputs, third pass over the data loaders (rows D33-15 on of docs/bad_inputs.md)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.bio import BioSequenceDataset, kmer_ids, kmers, read_fasta
from rnnkit.data.sample_times import read_sample_times


def _fasta(tmp_path):
    path = tmp_path / "seqs.fa"  # multi-line records, headers with descriptions after the name
    path.write_text(">r1 promoter of gene A\nACGTAC\nGTAC\n>r2 random\nGGGTTT\n>r3\nTTTTAA\nAC\n")
    return read_fasta(path)


def test_D33_15_bio_dataset_refuses_labels_indexed_by_name_in_another_order(tmp_path):
    records = _fasta(tmp_path)
    assert [r.name for r in records] == ["r1", "r2", "r3"]
    # a label table sorted by label (or merged by id) holds the records' names in another order
    table = pd.DataFrame({"id": ["r2", "r3", "r1"], "label": [0, 0, 1]})
    labels = table.set_index("id")["label"]
    with pytest.raises(ValueError, match=r"record 0 is 'r1', but labels' row 0 is 'r2'.*"
                                         r"labels\.loc\[\[r\.name for r in records\]\]"):
        BioSequenceDataset(records, labels)
    # ordered as the records, by name, they read; an index of other ids (0 .. n-1) is read by position, as before
    ds = BioSequenceDataset(records, labels.loc[[r.name for r in records]])
    assert ds.labels.tolist() == [1, 0, 0]
    assert BioSequenceDataset(records, table["label"]).labels.tolist() == [0, 0, 1]
    assert BioSequenceDataset(records, pd.Series([1, 0, 0], index=["r1", "r2", "r3"])).labels.tolist() == [1, 0, 0]
    # UniProt's names, a table keyed by the accession (field 1 of the name split at '|')
    uniprot = [r._replace(name=f"sp|P{k}|N{k}_HUMAN") for k, r in enumerate(records)]
    accessions = pd.Series({"P2": 0, "P0": 1, "P1": 0})
    with pytest.raises(ValueError, match=r"field 1 of names split at '\|'.*record 0 is 'sp\|P0\|N0_HUMAN', but "
                                         r"labels' row 0 is 'P2'.*labels\.loc\[\[r\.name\.split\('\|'\)\[1\] "
                                         r"for r in records\]\]"):
        BioSequenceDataset(uniprot, accessions)
    ordered = accessions.loc[[r.name.split("|")[1] for r in uniprot]]
    assert BioSequenceDataset(uniprot, ordered).labels.tolist() == [1, 0, 0]


def test_D33_16_bio_dataset_refuses_labels_as_a_dict_or_a_table(tmp_path):
    records = _fasta(tmp_path)
    with pytest.raises(ValueError, match=r"labels is a dict \('r2', 'r3', 'r1'\), whose keys would be read as the "
                                         r"labels; it is keyed by the records' names.*\[labels\[r\.name\] for r in"):
        BioSequenceDataset(records, {"r2": 0, "r3": 0, "r1": 1})
    with pytest.raises(ValueError, match=r"labels is a dict \(0, 1\), whose keys would be read as the labels"):
        BioSequenceDataset(["ACGT", "GGTA"], {0: 1, 1: 0})  # the keys 0, 1 were read as the labels
    table = pd.DataFrame({"id": ["r2", "r3", "r1"], "label": [0, 0, 1]})
    with pytest.raises(ValueError, match=r"labels is a DataFrame \(columns \['id', 'label'\]\), whose column names "
                                         r"would be read as the labels.*set_index\('id'\)"):
        BioSequenceDataset(records[:2], table.iloc[:2])
    ds = BioSequenceDataset(records, [{"r2": 0, "r3": 0, "r1": 1}[r.name] for r in records])
    assert ds.labels.tolist() == [1, 0, 0]


def test_D33_17_kmers_warn_of_letters_left_in_no_kmer():
    seq = "ACGTACGTAC"  # 10 letters: non-overlapping 3-mers cover 9
    with pytest.warns(UserWarning, match=r"kmers: the last 1 letter\(s\) of the 10 \('C'\) lie in no 3-mer at stride "
                                         r"3: the 3 k-mers cover letters 0 to 8.*seq \+ 'N' \* 2"):
        assert kmers(seq, 3, stride=3) == ["ACG", "TAC", "GTA"]
    with pytest.warns(UserWarning, match=r"kmer_ids: the last 1 letter\(s\)"):
        assert kmer_ids(seq, 3, stride=3).tolist() == [6, 49, 44]
    with pytest.warns(UserWarning, match=r"the last 1 letter\(s\) of the 11 \('G'\) lie in no 6-mer at stride 2"):
        kmers(seq + "G", 6, stride=2)
    with warnings.catch_warnings():  # covered, padded, cut, overlapping or gapped by design: no word
        warnings.simplefilter("error")
        assert kmers(seq + "NN", 3, stride=3)[-1] == "CNN"
        assert kmer_ids(seq + "NN", 3, stride=3).tolist() == [6, 49, 44, 64]
        assert kmers(seq[:9], 3, stride=3) == ["ACG", "TAC", "GTA"]
        assert len(kmers(seq, 3)) == 8
        assert kmers(seq, 2, stride=4) == ["AC", "AC", "AC"]


def test_D33_18_sample_times_name_one_grid_given_for_every_sequence():
    X, lengths = [np.zeros((4, 1))] * 3, np.array([4, 4, 4])
    grid = [0.0, 1.0, 2.0, 5.0]  # one uneven grid shared by every sequence, given as it is
    with pytest.raises(ValueError, match=r"fit: times is a flat list of 4 times \(the first 0\.0\), not one array of "
                                         r"times per sequence \(X has 3\); the same times for every sequence\? pass "
                                         r"\[times\] \* 3"):
        read_sample_times(grid, X, lengths, "fit")
    with pytest.raises(ValueError, match=r"got DatetimeIndex; the same times for every sequence\? pass \[times\] \* 3"):
        read_sample_times(pd.date_range("2024-01-01", periods=4, freq="h"), X, lengths, "fit")
    with pytest.raises(ValueError, match=r"times is a flat list of 4 times.*for one sequence pass \[times\]"):
        read_sample_times(grid, X[:1], lengths[:1], "fit")
    relative, kind = read_sample_times([grid] * 3, X, lengths, "fit")
    assert relative.tolist() == [grid] * 3 and kind == "numbers"


def test_D33_19_read_fasta_names_ids_cut_at_a_space(tmp_path):
    path = tmp_path / "samples.fa"  # ids holding spaces: each record's name is its header's first word
    path.write_text(">sample 1\nACGT\n>sample 2\nGGCC\n>sample 3\nTTAA\n")
    with pytest.warns(UserWarning, match=r"records 0 and 1 are both named 'sample': their headers 'sample 1' and "
                                         r"'sample 2' differ only after the first space.*2 such record.*"
                                         r"sed '/\^>/ s/ /_/g' in\.fa > out\.fa"):
        records = read_fasta(path)
    assert [r.name for r in records] == ["sample"] * 3
    path.write_text(">sample_1\nACGT\n>sample_2\nGGCC\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [r.name for r in read_fasta(path)] == ["sample_1", "sample_2"]


def test_D33_20_sample_times_warn_of_two_units_among_sequences():
    X, lengths = [np.zeros((4, 1))] * 3, np.array([4, 4, 4])
    seconds = [[0.0, 1.0, 2.0, 4.0], [10.0, 11.5, 13.0, 14.0]]  # epoch seconds from one device, ms from another
    millis = [1.7e12, 1.7e12 + 1000, 1.7e12 + 2500, 1.7e12 + 3000]
    with pytest.warns(UserWarning, match=r"fit: the sequences' times fall into two groups whose median gaps are 667 "
                                         r"times apart \(2 sequence\(s\) of gaps up to 1\.5, as sequence 1 of X; 1 of "
                                         r"gaps from 1000, as sequence 2 of X\): times in two units"):
        relative, _ = read_sample_times([*seconds, millis], X, lengths, "fit")
    assert relative[2].tolist() == [0.0, 1000.0, 2500.0, 3000.0]  # read as given
    with warnings.catch_warnings():  # one unit, uneven rates 30 times apart, dates: no word
        warnings.simplefilter("error")
        read_sample_times([*seconds, [0.0, 30.0, 60.0, 120.0]], X, lengths, "fit")
        read_sample_times([*seconds, [m / 1000 for m in millis]], X, lengths, "fit")
        dates = [pd.date_range("2024", periods=4, freq=f) for f in ("s", "h", "ms")]
        read_sample_times(dates, X, lengths, "fit")
