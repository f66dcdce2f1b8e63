"""The dna recipe (rnnkit.apps.dna) and its Altschul-Erickson shuffle: one quick run on the real Drosophila
upstream sequences, shared by the tests.

The data comes from `bash scripts/fetch_dna.sh` (CI runs it before the tests)."""

import base64
import json
from collections import Counter

import numpy as np
import pytest

from rnnkit.apps import dna, recipe
from rnnkit.data.bio import dinucleotide_shuffle
from rnnkit.report import SD_NOTE


def _pairs(s):
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def _all_with_same_pairs(s):
    """Every sequence with ``s``'s first letter and pair counts: the Eulerian paths of its pair multigraph."""
    found = []

    def walk(path, left):
        if not any(left.values()):
            found.append(path)
            return
        for pair in sorted(p for p, n in left.items() if n and p[0] == path[-1]):
            left[pair] -= 1
            walk(path + pair[1], left)
            left[pair] += 1

    walk(s[0], _pairs(s))
    return found


# -- the shuffle ---------------------------------------------------------------------------------------------
def test_shuffle_keeps_pair_counts_and_ends_exactly():
    rng = np.random.default_rng(7)
    for length, letters in ((2000, "ACGT"), (500, "ACGTN"), (60, "AT"), (37, "acgT")):
        s = "".join(rng.choice(list(letters), length))
        for seed in range(3):
            t = dinucleotide_shuffle(s, rng=seed)
            assert _pairs(t) == _pairs(s) and (t[0], t[-1]) == (s[0], s[-1])
    real = dna.load_promoters(dna.find_fasta()).sequences[0]  # a real promoter, with its repeats
    shuffled = dinucleotide_shuffle(real, rng=0)
    assert _pairs(shuffled) == _pairs(real) and shuffled != real


def test_shuffle_draws_every_sequence_with_those_counts_uniformly():
    s = "ACAGCATGACGA"
    space = _all_with_same_pairs(s)
    assert len(space) == 96 and s in space
    rng = np.random.default_rng(0)
    n = 100 * len(space)
    counts = Counter(dinucleotide_shuffle(s, rng=rng) for _ in range(n))
    # every one is reached: fixing each letter's last exit to the input's own (DeepLIFT's dinuc_shuffle) reaches
    # only the 24 that share s's last-exit tree
    assert set(counts) == set(space)
    chi2 = sum((counts[t] - 100) ** 2 / 100 for t in space)
    assert chi2 < 150  # 95 degrees of freedom: P(chi2 > 150) ~ 3e-4 for a uniform draw; this seed gives 96.7


# -- data ----------------------------------------------------------------------------------------------------
def _write_fasta(path, records):
    path.write_text("".join(f">{name} extra words\n{seq[:60]}\n{seq[60:]}\n" for name, seq in records))
    return path


def test_load_promoters_keeps_distinct_full_length_sequences(tmp_path, monkeypatch):
    monkeypatch.setattr(dna, "UPSTREAM", 80)
    a, b, c = "ACGT" * 20, "TTGCA" * 16, "GATTACA" * 11 + "GAT"
    path = _write_fasta(tmp_path / "up.fa", [
        ("NM_1_up_80_chr2L_100_f", a), ("NM_2_up_80_chr3R_-40_r", b), ("NM_3_up_80_chr2L_100_f", a),
        ("NR_4_up_80_chrX_9_f", "ACGTN" * 10), ("NM_5_up_80_chr2L_7_r", c)])
    p = dna.load_promoters(path)
    assert p.sequences == [a, b, c] and p.arms == ["chr2L", "chr3R", "chr2L"]
    assert (p.records, p.duplicates, p.shorter, p.kept) == (5, 1, 1, 3)
    assert p.by_part("test") == [a, c] and p.by_part("train") == [b]

    bad = _write_fasta(tmp_path / "bad.fa", [("NM_1_up_80_chr2L_100_f", a), ("mystery", b)])
    with pytest.raises(ValueError, match=r"record 'mystery' is not a UCSC upstream header"):
        dna.load_promoters(bad)
    long = _write_fasta(tmp_path / "long.fa", [("NM_1_up_80_chr2L_100_f", a + "A")])
    with pytest.raises(ValueError, match=r"record 'NM_1_up_80_chr2L_100_f' has 81 bp, more than the 80"):
        dna.load_promoters(long)


def test_missing_data_names_the_fetch_script(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNKIT_DNA", str(tmp_path / "missing.fa.gz"))
    with pytest.raises(FileNotFoundError, match=r"RNNKIT_DNA.*bash scripts/fetch_dna\.sh"):
        dna.run(quick=True)
    monkeypatch.delenv("RNNKIT_DNA")
    monkeypatch.chdir(tmp_path)  # no data/dm3_upstream2000.fa.gz here
    monkeypatch.setattr(dna, "SYSTEM_COPY", tmp_path / "not-installed.fa.gz")
    with pytest.raises(FileNotFoundError, match=r"bash scripts/fetch_dna\.sh") as error:
        dna.run(quick=True)
    assert "\n" not in str(error.value)


def test_kmer_profile_is_frequencies_and_blind_to_the_shuffle_below_k3():
    s = "".join(np.random.default_rng(3).choice(list("ACGT"), 300)) + "NACGT"
    t = dinucleotide_shuffle(s, rng=1)
    x = dna.kmer_profile([s, t])
    sizes = [4**k + 1 for k in dna.KMER_SIZES]
    assert x.shape == (2, sum(sizes))
    blocks = np.split(x, np.cumsum(sizes)[:-1], axis=1)
    for block in blocks:
        np.testing.assert_allclose(block.sum(1), 1.0, rtol=1e-5)
    assert blocks[0][0, -1] == pytest.approx(1 / 305)  # the one N among 305 letters
    np.testing.assert_array_equal(blocks[0][0], blocks[0][1])
    np.testing.assert_array_equal(blocks[1][0], blocks[1][1])
    assert not np.array_equal(blocks[2][0], blocks[2][1])


# -- the quick run -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("dna")
    return dna.run(quick=True, seed=0, out=out, log=lambda message: None), out


def test_quick_run_structure(quick):
    results, _ = quick
    assert recipe("dna") is dna
    assert set(results) == {"recipe", "task", "data", "settings", "models", "saliency", "roc", "machine"}
    d = results["data"]
    assert (d["records"], d["duplicates"], d["shorter"], d["distinct_promoters"]) == (26454, 9168, 1, 17285)
    assert d["available"] == {"train": 14133, "test": 3152} and (d["train"], d["test"]) == (400, 200)
    assert d["tatawa_peak_offset"] == [-30, -21]  # the TATA box sits ~30 bp upstream: the TSS is at the right end
    assert set(results["models"]) == {"bigru", "kmer"}
    for model in results["models"].values():
        assert len(model["auc"]["runs"]) == 1 and model["auc"]["sd"] is None
    sal = results["saliency"]
    assert len(sal["by_bin"]) == 100 and sum(sal["by_bin"]) == pytest.approx(1.0)
    assert sal["offsets"][0] == -2000 and sal["offsets"][-1] == -20 and len(sal["per_base"]) == sal["near"] == 200
    assert sal["by_bin"][(sal["peak"][0] + 2000) // 20] == max(sal["by_bin"])
    assert json.loads(json.dumps(results)) == results


def test_quick_models_separate_promoters_from_shuffles(quick):
    models = quick[0]["models"]
    # measured, quick seed 0: GRU AUC 0.82, k-mer 0.999. Chance is 0.5, and an AUC on 100 + 100 test sequences
    # has a standard error of about 0.04 under chance, so 0.65 is well clear of it
    assert models["bigru"]["auc"]["mean"] > 0.65
    assert models["kmer"]["auc"]["mean"] > 0.95
    roc = quick[0]["roc"]["kmer"]
    assert roc["tpr"][0] >= 0.0 and roc["tpr"][-1] == 1.0 and np.all(np.diff(roc["tpr"]) >= 0)


def test_out_writes_report_files(quick):
    results, out = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": dna.title(results), "machine": results["machine"], "results": results}
    report = (out / "report.md").read_text()
    assert report.startswith("# Drosophila promoters against dinucleotide shuffles (quick run)\n")
    for model in results["models"].values():
        assert f"| {model['name']} | {model['auc']['mean']:.4f}" in report
    assert "Machine:" in report and SD_NOTE in report and "![saliency](saliency.png)" in report
    page = (out / "report.html").read_text()
    for name in ("saliency", "roc"):
        png = (out / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page


@pytest.mark.parametrize("kwargs, match", [
    ({"quick": 1}, "quick must be True or False"),
    ({"seed": -1}, "seed must be an integer"),
    ({"out": 3}, "out must be a directory path"),
    ({"log": None}, "log must be callable"),
])
def test_bad_argument_raises_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dna.run(**kwargs)
