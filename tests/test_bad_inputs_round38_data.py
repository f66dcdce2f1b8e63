"""Round 38 (data): the loaders with one's own data: a genome's soft mask, labels counted from 1, bool features,
frames of 0..255 as floats, and more (D38-NN; see docs/bad_inputs.md)."""

import warnings

import pytest


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
