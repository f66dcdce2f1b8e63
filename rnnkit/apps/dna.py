"""DNA: real Drosophila promoter regions against dinucleotide-shuffled copies of themselves.

Data: ``dm3_upstream2000.fa.gz`` from Bioconductor's Biostrings (Debian package ``r-bioc-biostrings``;
``bash scripts/fetch_dna.sh`` writes ``data/dm3_upstream2000.fa.gz``; :func:`find_fasta` looks for it): the
2000 bp upstream of the annotated transcription start of 26,454 RefSeq transcripts of *D. melanogaster*
(UCSC dm3, 2006 assembly). Each sequence reads 5' -> 3' on the gene's own strand (UCSC reverse-complements
minus-strand genes), so **the transcription start site (TSS) is just past its right end**: position ``i``
(0-based) lies ``i - 2000`` bp from the TSS, the last base at -1. The data bear this out: ``TATAWA`` (the
TATA box, about 30 bp upstream of a TSS) is most frequent at offsets -30 to -21 (``results["data"]``).

:func:`load_promoters` reads the file with :func:`rnnkit.data.read_fasta`, keeps the first copy of each
distinct sequence (transcripts of one gene often share a TSS, so 9,168 records repeat an earlier sequence)
and leaves out the one distinct sequence shorter than 2000 bp (cut at a chromosome's start), so that every
position is an offset from the TSS; the counts are in ``results["data"]``. ``N`` (unknown base) stays, as a
uniform one-hot row. Split by chromosome arm, so no test sequence overlaps a training one: test promoters from
``chr2L``, training promoters from every other arm; each split is a random subset of the given size (``FULL``,
``QUICK``). Negatives: one :func:`rnnkit.data.bio.dinucleotide_shuffle` (Altschul & Erickson 1985, drawn
uniformly) of every promoter of the split, so each split is balanced and each negative has exactly its
promoter's base and base-pair counts. What tells the classes apart is therefore order beyond adjacent pairs:
motifs, repeats, periodicities, 3- to 6-mer statistics.

=============  ==============================================================================================
model          what it is
=============  ==============================================================================================
``bigru``      :class:`rnnkit.SequenceClassifier` over one-hot bases ``(2000, 4)``: a convolutional front-end
               (a stride-10 convolution of window 21 and a ReLU, :mod:`rnnkit.models.frontend`) so that the
               recurrence reads 200 steps, a bidirectional GRU, max pooling over time, a linear layer,
               softmax; trained through :func:`~rnnkit.training.seeded_fit`, from ``seeds`` seeds
``kmer``       logistic regression (scikit-learn, standardised features) on each sequence's k-mer
               frequencies for k = 1..6 (5,466 numbers: 4^k k-mers plus one "contains N" slot for each k),
               from :func:`rnnkit.data.bio.kmer_ids`
=============  ==============================================================================================

The 1- and 2-mer frequencies of a promoter and of its negative are equal by construction; the baseline learns
from k = 3..6.

Metrics: test ROC AUC (promoter = positive) and accuracy at probability 0.5; for the GRU the mean and sample
sd over seeds (:func:`~rnnkit.apps.over_runs`); wall seconds to fit and to predict.

Saliency (:func:`position_saliency`): for the first seed's GRU, ``Σ_bases |∂s/∂x_{i,b}|`` of the promoter
logit ``s`` at every position ``i`` (:func:`rnnkit.diagnostics.saliency`), as a share of the sequence's total,
averaged over test promoters: where along the 2000 bp the model looks, and where that peaks relative to the
TSS.

With ``out`` (:func:`rnnkit.report.write_report`): ``report.json``, ``report.md``, ``report.html`` and the
plots ``saliency.png`` and ``roc.png``.
"""

from __future__ import annotations

import numbers
import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from matplotlib.figure import Figure

from ..checks import int_meant, is_count
from ..data.bio import FastaRecord, dinucleotide_shuffle, encode_sequence, kmer_ids, one_hot_encode, read_fasta
from ..estimators import SequenceClassifier
from ..report import machine, write_report
from ..training.trainer import resolve_device
from . import check_run_arguments, format_over_runs, over_runs, run_seeds

DATA_ENV = "RNNKIT_DNA"
FILE_NAME = "dm3_upstream2000.fa.gz"
LOCAL_COPY = Path("data") / FILE_NAME  # where scripts/fetch_dna.sh puts it, relative to the current directory
SYSTEM_COPY = Path("/usr/lib/R/site-library/Biostrings/extdata") / FILE_NAME  # with r-bioc-biostrings installed
UPSTREAM = 2000  # bp upstream of the TSS in every sequence kept
TEST_ARM = "chr2L"
MODEL_NAMES = {"bigru": "bidirectional GRU (conv front-end)", "kmer": "k-mer (k = 1..6) logistic regression"}
# full: a few CPU minutes (sized for a 2-core machine shared with other jobs); quick: 200 training promoters
FULL = {"train_promoters": 800, "test_promoters": 600, "seeds": 1, "max_epochs": 3, "batch_size": 32,
        "saliency_promoters": 200}
QUICK = {"train_promoters": 200, "test_promoters": 100, "seeds": 1, "max_epochs": 2, "batch_size": 16,
         "saliency_promoters": 50}  # small batches: enough optimiser steps on little data
NETWORK = {"cell": "gru", "hidden_size": 32, "bidirectional": True, "frontend": "conv", "stride": 10,
           "pooling": "max", "lr": 3e-3, "clip_grad_norm": 1.0,
           "n_members": 1}  # one network a seed: the recipe's seeds are its spread
KMER_SIZES = (1, 2, 3, 4, 5, 6)
KMER_C = 0.01  # the baseline's inverse L2 strength: fixed, not tuned on the test split


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Train and score the bidirectional GRU and the k-mer baseline; see the module docstring.

    Returns ``{"recipe", "task", "data", "settings", "models", "saliency", "roc", "machine"}``; each entry of
    ``models`` has ``name``, ``kind`` (``"rnn"`` or ``"baseline"``), ``auc``, ``accuracy``, ``train_seconds``
    and ``test_seconds``, each as ``{"mean", "sd", "runs"}`` over the seeds of :func:`~rnnkit.apps.run_seeds`
    (one run for the baseline). Raises ValueError for a bad argument, FileNotFoundError without the data file.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    out = check_run_arguments("dna", quick, seed, out, log)  # "~/runs" as a shell reads it
    budget = QUICK if quick else FULL
    seeds = run_seeds(seed, budget["seeds"], "dna.run")
    device = resolve_device("auto")
    path = find_fasta()
    promoters = load_promoters(path)
    for part in ("train", "test"):  # a genome without Drosophila's chr2L (or only it) has no split
        if not promoters.by_part(part):
            where = f"on {TEST_ARM}" if part == "test" else f"off {TEST_ARM}"
            raise ValueError(f"{path}: none of its {promoters.kept} distinct {UPSTREAM}-bp promoters lies {where}, "
                             f"so the {part} split is empty (the test promoters are {TEST_ARM}'s, the training ones "
                             f"every other arm's; its arms: {sorted(set(promoters.arms))[:8]}); give the "
                             f"Drosophila dm3 file {FILE_NAME}")
    rng = np.random.default_rng(seed)
    # the budget is a cap: a smaller file (one's own, $RNNKIT_DNA) gives all of its part, and the log line says how
    # many; sample's warning is for its own callers, who chose n
    split = {part: sample(seqs, min(budget[f"{part}_promoters"], len(seqs)), rng)
             for part in ("train", "test") for seqs in [promoters.by_part(part)]}
    data = {part: with_negatives(seqs, rng) for part, seqs in split.items()}  # part -> (sequences, labels)
    log(f"{path}: {promoters.kept} distinct 2000-bp promoters; train {len(split['train'])}, test "
        f"{len(split['test'])} ({TEST_ARM}), each with one dinucleotide-shuffled negative")

    x = {part: one_hot(seqs) for part, (seqs, _) in data.items()}  # (n, 2000, 4) float32
    y = {part: labels for part, (_, labels) in data.items()}
    models: dict[str, dict] = {}
    curves: dict[str, dict] = {}
    runs, first = [], None
    for s in seeds:
        clf = SequenceClassifier(max_epochs=budget["max_epochs"], batch_size=budget["batch_size"], random_state=s,
                                 device=device, **NETWORK)
        result, scores = _fit_and_score(clf, x["train"], y["train"], x["test"], y["test"], roc_auc_score)
        runs.append(result)
        log(f"bidirectional GRU seed {s}: test AUC {result['auc']:.4f}, {result['train_seconds']:.0f} s")
        if first is None:
            first, curves["bigru"] = clf, _roc(roc_curve, y["test"], scores)
    models["bigru"] = _summary(MODEL_NAMES["bigru"], "rnn", runs)

    kmer = kmer_baseline()
    features = {part: kmer_profile(seqs) for part, (seqs, _) in data.items()}
    result, scores = _fit_and_score(kmer, features["train"], y["train"], features["test"], y["test"], roc_auc_score)
    log(f"k-mer logistic regression: test AUC {result['auc']:.4f}")
    models["kmer"] = _summary(MODEL_NAMES["kmer"], "baseline", [result])
    curves["kmer"] = _roc(roc_curve, y["test"], scores)

    test_promoters = x["test"][y["test"] == 1][: budget["saliency_promoters"]]
    profile = position_saliency(first, test_promoters)
    results = {
        "recipe": "dna",
        "task": "promoter (2000 bp upstream of a TSS) or its dinucleotide shuffle, Drosophila melanogaster",
        # one's own file at $RNNKIT_DNA by its own name, not the shipped file's
        "data": {"name": path.name, "path": str(path), "records": promoters.records, "duplicates": promoters.duplicates,
                 "shorter": promoters.shorter, "unknown": promoters.unknown, "distinct_promoters": promoters.kept,
                 "length": UPSTREAM,
                 "tss": "just past the right end: position i is i - 2000 bp from the TSS",
                 "tatawa_peak_offset": tatawa_peak(promoters.sequences),
                 "test_arm": TEST_ARM,
                 "available": {part: len(promoters.by_part(part)) for part in ("train", "test")},
                 "train": len(y["train"]), "test": len(y["test"]),
                 "negatives": "one dinucleotide shuffle per promoter"},
        "settings": {"quick": quick, "seeds": seeds, "max_epochs": budget["max_epochs"],
                     "batch_size": budget["batch_size"], **NETWORK,
                     "optimizer": "AdamW", "device": device, "kmer_sizes": list(KMER_SIZES), "kmer_C": KMER_C,
                     "saliency_promoters": len(test_promoters)},
        "models": models,
        "saliency": {"model": f"bidirectional GRU, seed {seeds[0]}", **profile},
        "roc": curves,
        "machine": machine(device),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     figures={"saliency": saliency_figure(results["saliency"]), "roc": roc_figure(results)},
                     machine_info=results["machine"])
    return results


# -- data ----------------------------------------------------------------------------------------------------
def find_fasta() -> Path:
    """``$RNNKIT_DNA`` if set (it must exist), else ``data/dm3_upstream2000.fa.gz`` under the current directory,
    else the r-bioc-biostrings package's copy. Raises FileNotFoundError naming ``scripts/fetch_dna.sh``."""
    fetch = f"fetch it with `bash scripts/fetch_dna.sh` (writes {LOCAL_COPY} from the Debian package r-bioc-biostrings)"
    if os.environ.get(DATA_ENV):
        path = Path(os.environ[DATA_ENV])
        if not path.is_file():
            raise FileNotFoundError(f"${DATA_ENV} is {path}, which is not a file; point it at {FILE_NAME} or {fetch}")
        return path
    for path in (LOCAL_COPY, SYSTEM_COPY):
        if path.is_file():
            return path
    raise FileNotFoundError(f"the dna recipe needs {FILE_NAME}, found neither at ${DATA_ENV}, {LOCAL_COPY} "
                            f"(under {Path.cwd()}) nor {SYSTEM_COPY}; {fetch}")


_HEADER = re.compile(r"_up_(\d+)_(\w+)_(-?\d+)_([fr])$")  # NM_078863_up_2000_chr2L_16764737_f


class Promoters(NamedTuple):
    """What :func:`load_promoters` keeps, and what it left out."""

    sequences: list[str]  # distinct, each UPSTREAM bp, in file order
    arms: list[str]  # the chromosome arm of each
    records: int  # records in the file
    duplicates: int  # records whose sequence repeats an earlier record's
    shorter: int  # distinct sequences shorter than UPSTREAM bp, left out
    unknown: int = 0  # records without one known base (all N), left out

    @property
    def kept(self) -> int:
        return len(self.sequences)

    def by_part(self, part: str) -> list[str]:
        """The test arm's sequences (``"test"``) or every other arm's (``"train"``), in file order."""
        return [s for s, arm in zip(self.sequences, self.arms, strict=True) if (arm == TEST_ARM) == (part == "test")]


def load_promoters(path: str | os.PathLike) -> Promoters:
    """The distinct full-length upstream sequences of a UCSC ``upstreamN.fa`` file and their chromosome arms.

    Headers read ``NAME_up_2000_ARM_POSITION_STRAND``; one that does not, or gives another length (an
    ``upstream1000`` file), is a ValueError naming the record. A record without one known base (all ``N``, an
    assembly gap) is left out with a warning that counts and names them: it holds no promoter, and its
    dinucleotide shuffle would be itself, a negative identical to a positive.
    """
    records = read_fasta(path)
    seen: set[str] = set()
    sequences, arms, duplicates, shorter, unknown = [], [], 0, 0, []
    for number, r in enumerate(records, 1):
        match = _HEADER.search(r.name)
        if match is None:
            raise ValueError(f"{path}: record {r.name!r} is not a UCSC upstream header "
                             "(NAME_up_2000_CHROMOSOME_POSITION_f or _r); is this the upstream2000 file?")
        if int(match.group(1)) != UPSTREAM:  # an upstream1000 file: every record "shorter", none kept
            raise ValueError(f"{path}: record {r.name!r} (record {number}) holds "
                             f"{match.group(1)} bp upstream of its TSS, but this recipe reads {UPSTREAM} bp, each "
                             f"position an offset from the TSS; give a UCSC upstream{UPSTREAM} file")
        if not r.sequence.strip("N"):
            unknown.append(r.name)
            continue
        if r.sequence in seen:
            duplicates += 1
            continue
        seen.add(r.sequence)
        if len(r.sequence) < UPSTREAM:
            shorter += 1
            continue
        if len(r.sequence) > UPSTREAM:
            raise ValueError(f"{path}: record {r.name!r} has {len(r.sequence)} bp, more than the {UPSTREAM} "
                             "upstream of a TSS this recipe reads")
        sequences.append(r.sequence)
        arms.append(match.group(2))
    if unknown:
        warnings.warn(f"{path}: {len(unknown)} record(s) hold only N (no known base), left out: "
                      f"{', '.join(unknown[:5])}{', ...' if len(unknown) > 5 else ''}; each would be a promoter "
                      "whose dinucleotide shuffle is itself", UserWarning, stacklevel=2)
    return Promoters(sequences, arms, len(records), duplicates, shorter, len(unknown))


_SPACE = re.compile(r"\s")
# what tatawa_peak cannot place: a letter that is no base nor IUPAC ambiguity code (RNA's U, a protein's), a gap,
# a digit; an ambiguity code (R, Y, W ...) holds a base's place, so the offsets from the TSS stand
_NOT_BASE = re.compile(r"[^ACGTNRYKMSWBDHV]", re.IGNORECASE)


def sequence_list(sequences, who: str) -> list[str]:
    """``sequences`` as a list of DNA strings in their order: a list, a tuple, a numpy array or a pandas Series
    (``df["sequence"]``, read by position: a filtered frame's index labels are not positions) of strings, or
    :func:`~rnnkit.data.bio.read_fasta`'s records (their sequences). One string is a ValueError (iterating it
    would read each base as a sequence of its own), as is a dict (its keys would be read)."""
    if isinstance(sequences, str | bytes | FastaRecord):
        one = sequences.sequence if isinstance(sequences, FastaRecord) else sequences
        raise ValueError(f"{who}: sequences is one {type(sequences).__name__} ({one[:20]!r}"
                         f"{'...' if len(one) > 20 else ''}, {len(one)} bp), which would be read base by base as "
                         f"{len(one)} sequences of 1 bp; give a list of sequences: [sequence] for one")
    if isinstance(sequences, dict):
        raise ValueError(f"{who}: sequences is a dict, whose keys (the names) would be read as the sequences; give "
                         "list(d.values())")
    sequences = [s.sequence if isinstance(s, FastaRecord) else s for s in sequences]
    spaced = [(i, m) for i, s in enumerate(sequences) if isinstance(s, str) and (m := _SPACE.search(s))]
    if spaced:  # lines read with their newline: one base more, so every offset from the TSS moved by one
        i, m = spaced[0]
        extra = len(_SPACE.findall(sequences[i]))
        raise ValueError(f"{who}: sequence {i} holds {m.group()!r} at position {m.start()} of {len(sequences[i])} "
                         f"({len(spaced)} sequence(s) hold whitespace), which is no base, yet would be counted as one "
                         f"(its length {extra} more than its bases, every offset from the TSS moved); lines read with "
                         "their newline ('\\r\\n' on Windows) or "
                         "a FASTA record's wrapped lines? give the bases alone: [''.join(s.split()) for s in "
                         "sequences]")
    return sequences


def sample(sequences: Sequence[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` of ``sequences`` drawn without replacement (all of them, shuffled, if there are fewer: a warning
    says so, as the part is smaller than asked)."""
    sequences = sequence_list(sequences, "sample")
    if not is_count(n, 0):  # a negative n would slice from the end: all but |n| of them
        raise ValueError(f"sample: n must be an integer >= 0 (how many sequences to draw), got {n!r}")
    if n > len(sequences):  # else a smaller sample than asked, and its figures read as those of n
        warnings.warn(f"sample: n={n:,} asks for more than the {len(sequences):,} sequences given, so the sample is "
                      f"all {len(sequences):,} of them, shuffled; ask for n <= {len(sequences):,} (or give more "
                      "sequences) to silence this", UserWarning, stacklevel=2)
    return [sequences[i] for i in rng.permutation(len(sequences))[:n]]


def with_negatives(promoters: list[str], rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """The promoters (label 1) followed by one :func:`dinucleotide_shuffle` of each (label 0), and the labels.
    A promoter whose shuffle comes out as itself (one base repeated, all N: its base pairs allow no other order)
    is a ValueError: its negative would be a copy of a positive. A soft-masked promoter (repeats in lower case, as
    Biopython and pyfaidx read a masked genome) has its bases shuffled, as the encoders read them (either case
    alike), and its case pattern laid back on the negative, so case tells neither class: shuffled as given, each
    lower-case run would stay in place as a block of its own letters."""
    promoters = sequence_list(promoters, "with_negatives")  # a Series + a list would join them pairwise
    negatives = [_shuffle_bases(s, rng) for s in promoters]
    same = [i for i, (s, n) in enumerate(zip(promoters, negatives, strict=True)) if s == n]
    if same:
        i = same[0]
        raise ValueError(f"with_negatives: promoters[{i}] ({promoters[i][:12]}..., bases {sorted(set(promoters[i]))}) "
                         f"has a dinucleotide shuffle equal to itself ({len(same)} such promoter(s); its base pairs "
                         "allow no or few other orders), so its negative would be a copy of a positive; leave such "
                         "sequences out")
    return promoters + negatives, np.r_[np.ones(len(promoters)), np.zeros(len(negatives))].astype(np.int64)


def _shuffle_bases(seq: str, rng: np.random.Generator) -> str:
    """:func:`dinucleotide_shuffle` of ``seq``'s bases in either case, with ``seq``'s lower-case positions lower
    case again (a soft-masked sequence; one of a single case is shuffled as it is)."""
    if not isinstance(seq, str) or seq in (seq.upper(), seq.lower()):
        return dinucleotide_shuffle(seq, rng=rng)
    shuffled = dinucleotide_shuffle(seq.upper(), rng=rng)
    return "".join(b.lower() if c.islower() else b for b, c in zip(shuffled, seq, strict=True))


def _named(who: str, i: int, encode: Callable, *args):
    """``encode(*args)``, its ValueError (an invalid letter at a position, RNA, bytes) naming sequence ``i`` of the
    list, as rnnkit.data.bio's own message names only the position within one sequence."""
    try:
        return encode(*args)
    except ValueError as e:
        raise ValueError(f"{who}: sequence {i}, {e}") from None


def _warn_unknown_only(sequences: list, who: str) -> None:
    """Warn of the ``sequences`` that hold only N (either case), naming them: an assembly gap or a hard-masked
    region holds no base, so it is encoded as the rule for N has it (the uniform rows, its k-mers all in the N
    slots) and a classifier scores it by nothing of its own. A warning, not a refusal: a genome scanned in windows
    meets gaps routinely, and its encodings must stay one per window, in order; a sequence with one known base is
    read as before, as is one of N beside others (IUPAC codes are refused elsewhere). :func:`load_promoters`
    leaves such records out of a training set; the warning names the mask that does so for one's own list."""
    blank = [i for i, s in enumerate(sequences) if isinstance(s, str) and s and not s.strip("Nn")]
    if blank:
        shown = ", ".join(map(str, blank[:5])) + (", ..." if len(blank) > 5 else "")
        warnings.warn(f"{who}: sequence(s) {shown} ({len(blank)} of {len(sequences)}) hold only N (sequence "
                      f"{blank[0]}: {len(sequences[blank[0]])} bp, no known base: an assembly gap or a hard-masked "
                      "region), encoded as N is (no base), so a model scores them by nothing of their own; to "
                      "leave them out, with their labels: keep = [bool(s.strip('Nn')) for s in sequences]",
                      UserWarning, stacklevel=3)


def one_hot(sequences: list[str]) -> np.ndarray:
    """``(n, L, 4)`` float32 one-hot bases (ACGT; N the uniform row), of equal-length sequences (a ValueError
    names the first of another length: the recipe reads each position as an offset from the TSS, so they are
    not padded or cut here); a sequence of N alone is encoded so and warned of (:func:`_warn_unknown_only`)."""
    sequences = sequence_list(sequences, "one_hot")
    if not sequences:
        raise ValueError("one_hot: sequences must be a non-empty list of DNA strings, got none")
    other = next((i for i, seq in enumerate(sequences) if len(seq) != len(sequences[0])), None)
    if other is not None:
        raise ValueError(f"one_hot: sequence {other} has {len(sequences[other])} bp but sequence 0 has "
                         f"{len(sequences[0])}; the sequences must be of one length, each ending at its TSS "
                         f"(this recipe reads {UPSTREAM} bp): take the last bases of each (s[-n:]) for one n, or "
                         "leave the shorter ones out")
    encoded = one_hot_encode(torch.stack([_named("one_hot", i, encode_sequence, s) for i, s in enumerate(sequences)])
                             ).numpy()
    _warn_unknown_only(sequences, "one_hot")
    return encoded


def tatawa_peak(sequences: list[str], *, bin_bp: int = 10) -> list[int]:
    """The ``[first, last]`` offset from the TSS of the ``bin_bp`` bin where ``TATAWA`` (W = A or T) starts
    most often: where the TATA box sits, a check on which end of the sequences the TSS is. Each sequence ends
    at its TSS (UCSC's upstream files: offset ``-len(s)`` at its first base, -1 at its last), so sequences of
    any length, one's own included, are placed by their own end. Case is ignored: soft-masked sequences (repeats
    in lower case, as Biopython and pyfaidx read a masked genome) hold TATA boxes in both."""
    if not is_count(bin_bp, 1):
        raise ValueError(f"tatawa_peak: bin_bp must be an integer >= 1 (base pairs per bin), got {bin_bp!r}")
    sequences = sequence_list(sequences, "tatawa_peak")
    counts: dict[int, int] = {}
    for i, s in enumerate(sequences):
        if not isinstance(s, str) or _NOT_BASE.search(s):  # RNA's U, other letters: named as one_hot names them
            _named("tatawa_peak", i, encode_sequence, s)
        for m in re.finditer(r"(?=TATA[AT]A)", s.upper()):  # a lower-case (masked) box is a box
            b = (m.start() - len(s)) // bin_bp  # the bin of the offset from this sequence's TSS
            counts[b] = counts.get(b, 0) + 1
    if not counts:
        longest = max(map(len, sequences), default=0)
        short = (f"; every one is shorter than the motif's 6 bp (the longest {longest} bp): give the whole "
                 "promoters, each up to its TSS" if longest < 6 else "; give promoter sequences")
        raise ValueError(f"tatawa_peak: none of the {len(sequences)} sequence(s) holds TATAWA (TATA[AT]A, either "
                         f"case), so there is no peak to place{short}")
    peak = max(sorted(counts), key=counts.__getitem__) * bin_bp  # the bin nearest the start on a tie, as before
    return [peak, peak + bin_bp - 1]


# -- baseline ------------------------------------------------------------------------------------------------
def kmer_profile(sequences: list[str], ks: Sequence[int] | int = KMER_SIZES) -> np.ndarray:
    """``(n, Σ_k (4^k + 1))``: for each k, the frequency of every k-mer among the sequence's ``L - k + 1``
    (:func:`rnnkit.data.bio.kmer_ids`; the last slot of each k counts the k-mers containing N). One ``k`` may be
    given as a number (``3`` is ``[3]``). A sequence of N alone is counted so and warned of
    (:func:`_warn_unknown_only`)."""
    one = isinstance(ks, str | bytes | numbers.Number)  # one k, as one would read kmer_profile(seqs, 3)
    if one:
        ks = [ks]
    ks = list(ks)
    bad = [i for i, k in enumerate(ks) if not is_count(k, 1)]
    if bad:  # a float k (a config file's 3.0, '3'): kmer_ids' own error named sequence 0, and no fix
        i, meant = bad[0], [k if is_count(k, 1) else int_meant(k, 1) for k in ks]
        fix = f"give ks={meant}" if None not in meant else f"give integers, e.g. ks={list(KMER_SIZES)}"
        where = "ks" if one else f"ks[{i}]"
        raise ValueError(f"kmer_profile: {where} is {ks[i]!r} (of type {type(ks[i]).__name__}), but each k is a k-mer "
                         f"size, an integer >= 1 ({len(bad)} such k); {fix}")
    if not ks or len(set(ks)) < len(ks):  # none: no column; a k twice: its columns twice, weighing it double
        raise ValueError(f"kmer_profile: ks must name each k-mer size once, at least one (e.g. {list(KMER_SIZES)}), "
                         f"got {ks!r}")
    sequences = sequence_list(sequences, "kmer_profile")
    rows = []
    for i, s in enumerate(sequences):
        if len(s) < max(ks):  # kmer_ids' own error names neither the sequence nor the fix
            raise ValueError(f"kmer_profile: sequence {i} has {len(s)} bp, fewer than k = {max(ks)}, so it has no "
                             f"{max(ks)}-mer to count; leave out sequences shorter than {max(ks)} bp, or give smaller "
                             f"ks (e.g. {[k for k in ks if k <= len(s)] or [1]})")
        parts = []
        for k in ks:
            counts = np.bincount(_named("kmer_profile", i, kmer_ids, s, k).numpy(), minlength=4**k + 1)
            parts.append(counts / counts.sum())
        rows.append(np.concatenate(parts))
    _warn_unknown_only(sequences, "kmer_profile")
    return np.asarray(rows, dtype=np.float32)


def kmer_baseline():
    """Logistic regression on standardised k-mer frequencies, L2 with ``C = KMER_C`` (scikit-learn)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=KMER_C, max_iter=3000))


def _fit_and_score(clf, x_train, y_train, x_test, y_test, auc) -> tuple[dict[str, float], np.ndarray]:
    start = time.perf_counter()
    clf.fit(x_train, y_train)
    fitted = time.perf_counter()
    scores = np.asarray(clf.predict_proba(x_test))[:, 1]  # P(promoter)
    done = time.perf_counter()
    return ({"auc": float(auc(y_test, scores)), "accuracy": float(np.mean((scores > 0.5) == (y_test == 1))),
             "train_seconds": fitted - start, "test_seconds": done - fitted}, scores)


def _summary(name: str, kind: str, runs: list[dict[str, float]]) -> dict:
    stats = {k: over_runs(r[k] for r in runs) for k in ("auc", "accuracy", "train_seconds", "test_seconds")}
    return {"name": name, "kind": kind, **stats}


def _roc(roc_curve, y: np.ndarray, scores: np.ndarray, points: int = 101) -> dict[str, list[float]]:
    """The ROC curve's true-positive rate at ``points`` evenly spaced false-positive rates."""
    fpr, tpr, _ = roc_curve(y, scores)
    grid = np.linspace(0.0, 1.0, points)
    return {"fpr": grid.tolist(), "tpr": np.interp(grid, fpr, tpr).tolist()}


# -- interpretability ----------------------------------------------------------------------------------------
def position_saliency(clf: SequenceClassifier, x: np.ndarray, *, bin_bp: int = 20, near: int = 200,
                      chunk: int = 50) -> dict[str, Any]:
    """Where along the sequence the promoter logit ``s`` is sensitive to the bases.

    Per sequence of ``x (n, L, 4)`` (the one-hot bases :func:`one_hot` gives, as ``clf`` was fitted on them: the
    estimator standardises them itself, as ``predict`` does), :func:`rnnkit.diagnostics.saliency`'s
    ``Σ_b |∂s/∂x_{i,b}|`` (``s`` the class-1 logit, ``x`` as the network reads it, standardised), normalised to
    sum 1 over the ``L`` positions; averaged over the sequences. Returns the ``offsets`` of the bins (the
    TSS-relative offset of their first base: ``i - L``), the mean share per ``bin_bp``-bp bin (``by_bin``;
    uniform is ``bin_bp / L``), ``per_base`` shares of the last ``near`` bases, the ``peak`` bin's offsets, and
    the share of the last ``near`` bp (``share_near``, uniform ``near / L``).
    """
    from ..diagnostics import saliency

    if isinstance(x, (list, tuple)) and x and isinstance(x[0], str):
        raise ValueError(f"position_saliency: x is a list of {len(x)} DNA strings; give their one-hot bases (n, L, 4): "
                         "position_saliency(clf, one_hot(sequences))")
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != 4:
        hint = ("; the bases are on axis 1, channels first as a Conv1d reads them (n, 4, L): give x.transpose(0, 2, 1)"
                if x.ndim == 3 and x.shape[1] == 4 else "; one sequence: x[None]" if x.ndim == 2 and x.shape[1] == 4
                else "")
        raise ValueError(f"position_saliency: x must be one-hot bases (n, L, 4), as one_hot gives them, got shape "
                         f"{x.shape}{hint}")
    sizes = {"bin_bp": (bin_bp, "bases per bin"), "near": (near, "bases before the TSS"),
             "chunk": (chunk, "sequences per gradient pass")}
    for name, (value, what) in sizes.items():
        if not is_count(value):  # 20.0 passes L % bin_bp, then fails in reshape after every gradient is taken
            whole = int_meant(value, 1, text=None, floats=float | np.floating)  # 20.0, not '20'
            raise ValueError(f"position_saliency: {name} must be an integer >= 1 ({what}), got {value!r}"
                             + (f"; give {whole}" if whole is not None else ""))
    L = x.shape[1]
    if L % bin_bp:
        divisors = [d for d in (5, 10, 20, 25, 50, 100) if L % d == 0]
        raise ValueError(f"position_saliency: bin_bp={bin_bp} does not divide the sequence length {L} into whole bins; "
                         f"give a divisor of {L}" + (f" (e.g. {', '.join(map(str, divisors))})" if divisors else ""))
    if not 1 <= near <= L:
        raise ValueError(f"position_saliency: near={near} bases is not within the sequence length {L}; "
                         f"give 1 <= near <= {L}")
    shares = []
    for start in range(0, len(x), chunk):
        # the bases as given: the estimator standardises them by its fitted scaling (its prepare_batch)
        grad = saliency(clf, x[start : start + chunk], target=1).abs_grad  # (B, L)
        shares.append(grad / grad.sum(1, keepdims=True))
    share = np.concatenate(shares).mean(0)  # (L,)
    by_bin = share.reshape(L // bin_bp, bin_bp).sum(1)
    offsets = np.arange(0, L, bin_bp) - L
    peak = int(np.argmax(by_bin))
    return {"sequences": len(x), "bin_bp": bin_bp, "offsets": offsets.tolist(), "by_bin": by_bin.tolist(),
            "per_base": share[-near:].tolist(), "peak": [int(offsets[peak]), int(offsets[peak]) + bin_bp - 1],
            "peak_over_uniform": float(by_bin[peak] / (bin_bp / L)), "near": near,
            "share_near": float(share[-near:].sum())}


def saliency_figure(profile: dict[str, Any]) -> Figure:
    """:func:`position_saliency` over the whole 2000 bp (bins) and over the last ``near`` bp (bases)."""
    fig = Figure(figsize=(8.0, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    bin_bp, offsets = profile["bin_bp"], np.asarray(profile["offsets"])
    top.bar(offsets + bin_bp / 2, profile["by_bin"], width=bin_bp, color="tab:blue")
    top.axhline(bin_bp / (len(offsets) * bin_bp), color="gray", linestyle="--", label="uniform")
    top.set_xlabel("bp from the TSS (bin start)")
    top.set_ylabel(f"share per {bin_bp} bp")
    top.legend()
    near = profile["near"]
    bottom.plot(np.arange(-near, 0), profile["per_base"], color="tab:blue")
    bottom.axhline(1 / (len(offsets) * bin_bp), color="gray", linestyle="--", label="uniform")
    bottom.set_xlabel("bp from the TSS (-1: the base just upstream)")
    bottom.set_ylabel("share per base")
    top.set_title(f"Promoter logit: input sensitivity by position ({profile['sequences']} test promoters)")
    return fig


def roc_figure(results: dict) -> Figure:
    fig = Figure(figsize=(4.8, 4.4), layout="constrained")
    ax = fig.subplots()
    for key, curve in results["roc"].items():
        model = results["models"][key]
        ax.plot(curve["fpr"], curve["tpr"], label=f"{model['name']} (AUC {model['auc']['runs'][0]:.3f})")
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="chance")
    ax.set_xlabel("false-positive rate (shuffled called promoter)")
    ax.set_ylabel("true-positive rate")
    ax.legend(fontsize="small")
    return fig


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    quick = " (quick run)" if results["settings"]["quick"] else ""
    return "Drosophila promoters against dinucleotide shuffles" + quick


def markdown(results: dict) -> str:
    """The report's body: data, table, saliency (:func:`rnnkit.report.write_report` adds the rest)."""
    d, s, sal = results["data"], results["settings"], results["saliency"]
    lines = [
        f"{d['distinct_promoters']} distinct {d['length']}-bp upstream sequences of {d['name']} ({d['records']} "
        f"records, "
        f"{d['duplicates']} repeats" + (f", {d['unknown']} all N" if d.get("unknown") else "")
        + f" and {d['shorter']} shorter than {d['length']} bp left out); the TSS is "
        f"{d['tss']} (TATAWA is most frequent at {d['tatawa_peak_offset'][0]}..{d['tatawa_peak_offset'][1]}). "
        f"Test: {d['test_arm']}; train: every other arm. {d['train']} training / {d['test']} test sequences, "
        "half of them dinucleotide-shuffled negatives.",
        "",
        f"RNN: rnnkit.SequenceClassifier, conv front-end stride {s['stride']}, bidirectional GRU {s['hidden_size']} "
        f"units, {s['pooling']} pooling, {s['max_epochs']} epochs, batch {s['batch_size']}, {s['optimizer']} lr "
        f"{s['lr']}; seeds {', '.join(map(str, s['seeds']))}." + (" Quick run." if s["quick"] else ""),
        "",
        "| model | test AUC (mean ± sd over seeds) | accuracy | train s | test s |",
        "|---|---|---|---|---|",
    ]
    for r in results["models"].values():
        runs = len(r["auc"]["runs"])
        auc = f"{format_over_runs(r['auc'], 4)} ({runs} seeds)" if runs > 1 else format_over_runs(r["auc"], 4)
        lines.append(f"| {r['name']} | {auc} | {format_over_runs(r['accuracy'])} | "
                     f"{r['train_seconds']['mean']:.1f} | {r['test_seconds']['mean']:.1f} |")
    lines += ["", f"Saliency ({sal['model']}, {sal['sequences']} test promoters): the share of the promoter "
              f"logit's input sensitivity peaks at {sal['peak'][0]}..{sal['peak'][1]} bp from the TSS "
              f"({sal['peak_over_uniform']:.1f} x uniform); the last {sal['near']} bp hold "
              f"{sal['share_near']:.1%} of it (uniform: {sal['near'] / d['length']:.0%}). Plots: saliency.png, "
              "roc.png."]
    return "\n".join(lines) + "\n"
