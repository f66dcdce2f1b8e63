"""DNA/protein encodings, exact reverse complements, k-mers, FASTA (plain and gzip), dinucleotide shuffles."""

import gzip
from collections import Counter

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit.data.bio import (
    BioSequenceDataset,
    dinucleotide_shuffle,
    encode_sequence,
    kmer_ids,
    kmers,
    one_hot_encode,
    read_fasta,
    reverse_complement,
    reverse_complement_ids,
    reverse_complement_one_hot,
)
from rnnkit.data.collate import pad_collate


def _random_dna(n, seed=0, letters="ACGT"):
    return "".join(np.random.default_rng(seed).choice(list(letters), n))


def test_encode_and_one_hot_values():
    assert encode_sequence("ACGTNacgtn").tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    x = one_hot_encode(encode_sequence("AGN"))
    assert x.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0.25, 0.25, 0.25, 0.25]]
    p = one_hot_encode(encode_sequence("WYX", alphabet="protein"), alphabet="protein")
    assert p.shape == (3, 20) and p[0].argmax() == 18 and p[1].argmax() == 19
    assert torch.allclose(p[2], torch.full((20,), 0.05))
    with pytest.raises(ValueError, match=r"position 2: invalid letter 'R'"):
        encode_sequence("ACRT")
    with pytest.raises(ValueError, match="invalid letter 'é'"):
        encode_sequence("ACé")


def test_reverse_complement_is_exact_in_every_encoding():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("acgT") == "Acgt"
    for seed in range(5):
        s = _random_dna(101, seed, "ACGTN")
        rc = reverse_complement(s)
        assert reverse_complement(rc) == s
        assert torch.equal(reverse_complement_ids(encode_sequence(s)), encode_sequence(rc))
        x, x_rc = one_hot_encode(encode_sequence(s)), one_hot_encode(encode_sequence(rc))
        assert torch.equal(reverse_complement_one_hot(x), x_rc)


def test_kmers_and_kmer_ids():
    assert kmers("acgtA", 3) == ["ACG", "CGT", "GTA"]
    assert kmers("ACGTAC", 2, stride=2) == ["AC", "GT", "AC"]
    # base-4 numbers of the letter ids: ACG = 0*16 + 1*4 + 2 = 6, CGT = 16 + 8 + 3 = 27, GTA = 32 + 12 = 44
    assert kmer_ids("ACGTA", 3).tolist() == [6, 27, 44]
    assert kmer_ids("AANAA", 2).tolist() == [0, 16, 16, 0]  # k-mers with N get the extra id 4**2
    with pytest.raises(ValueError, match="no 4-mers"):
        kmer_ids("ACG", 4)


FASTA = """>seq1 first record
ACGTACGTAC
acgtn
>seq2
GGGG

>seq3 last
TTT
"""


def test_read_fasta_plain_and_gzip(tmp_path):
    (tmp_path / "a.fa").write_text(FASTA)
    with gzip.open(tmp_path / "a.fa.gz", "wt") as f:
        f.write(FASTA)
    (tmp_path / "gz_without_suffix").write_bytes((tmp_path / "a.fa.gz").read_bytes())
    for name in ("a.fa", "a.fa.gz", "gz_without_suffix"):
        recs = read_fasta(tmp_path / name)
        assert [r.name for r in recs] == ["seq1", "seq2", "seq3"]
        assert [r.sequence for r in recs] == ["ACGTACGTACACGTN", "GGGG", "TTT"]
    (tmp_path / "p.fa").write_text(">P1\nMKTAYIAKQR\nX\n")
    assert read_fasta(tmp_path / "p.fa", alphabet="protein")[0].sequence == "MKTAYIAKQRX"


def test_read_fasta_errors_name_record_line_and_position(tmp_path):
    bad = FASTA.replace("GGGG", "GGZG")
    (tmp_path / "bad.fa").write_text(bad)
    with gzip.open(tmp_path / "bad.fa.gz", "wt") as f:
        f.write(bad)
    for name in ("bad.fa", "bad.fa.gz"):
        with pytest.raises(ValueError, match=r"record 'seq2', line 5, position 2: invalid letter 'Z'; dna"):
            read_fasta(tmp_path / name)
    (tmp_path / "later.fa").write_text(">r\nACGTA\nCCXC\n")  # position counts across lines
    with pytest.raises(ValueError, match="record 'r', line 3, position 7: invalid letter 'X'"):
        read_fasta(tmp_path / "later.fa")
    (tmp_path / "empty.fa").write_text("")
    with pytest.raises(ValueError, match="no FASTA records"):
        read_fasta(tmp_path / "empty.fa")
    (tmp_path / "nohdr.fa").write_text("ACGT\n")
    with pytest.raises(ValueError, match="before the first '>'"):
        read_fasta(tmp_path / "nohdr.fa")
    (tmp_path / "noseq.fa").write_text(">a\nAC\n>b\n>c\nGG\n")
    with pytest.raises(ValueError, match="record 'b' .line 3. has no sequence"):
        read_fasta(tmp_path / "noseq.fa")


def _dinucleotides(s):
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def test_dinucleotide_shuffle_keeps_pair_counts_exactly():
    for seed in range(10):
        s = _random_dna(200, seed, "ACGTN" if seed % 2 else "ACGT")
        t = dinucleotide_shuffle(s, rng=seed)
        assert _dinucleotides(t) == _dinucleotides(s) and Counter(t) == Counter(s)
        assert t[0] == s[0] and t[-1] == s[-1] and t != s
    s = _random_dna(300, 42)
    assert dinucleotide_shuffle(s, rng=1) == dinucleotide_shuffle(s, rng=1)
    assert dinucleotide_shuffle(s, rng=1) != dinucleotide_shuffle(s, rng=2)
    # a motif that occurs once is usually destroyed; its pair counts are not
    assert dinucleotide_shuffle("AAAA", rng=0) == "AAAA" and dinucleotide_shuffle("AC") == "AC"


def test_dataset_rc_augmentation_and_batching():
    seqs = ["ACGTTG", "GGA"]
    ds = BioSequenceDataset(seqs, [1, 0])
    assert ds.lengths.tolist() == [6, 3]
    assert torch.equal(ds[0][0], one_hot_encode(encode_sequence("ACGTTG")))
    always = BioSequenceDataset(seqs, [1, 0], rc_prob=1.0, encoding="ids")
    assert always[0][0].tolist() == encode_sequence(reverse_complement("ACGTTG")).tolist()
    g = torch.Generator().manual_seed(0)
    half = BioSequenceDataset(seqs, rc_prob=0.5, encoding="ids", generator=g)
    flips = [half[0].tolist() != encode_sequence("ACGTTG").tolist() for _ in range(400)]
    assert 0.4 < np.mean(flips) < 0.6
    batch = next(iter(DataLoader(ds, batch_size=2, collate_fn=pad_collate)))
    assert batch.x.shape == (2, 6, 4) and batch.x[1, 3:].eq(0).all() and batch.y.tolist() == [1, 0]
    with pytest.raises(ValueError, match="sequence 1, position 1: invalid letter 'U'"):
        BioSequenceDataset(["ACGT", "AUG"])
    with pytest.raises(ValueError, match="needs alphabet='dna'"):
        BioSequenceDataset(["MK"], alphabet="protein", rc_prob=0.5)
