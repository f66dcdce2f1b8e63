"""Biological sequences: DNA and protein encodings, k-mers, reverse complements, FASTA, shuffled negatives.

Shapes: ``L`` residues, ``K`` alphabet size (4 for DNA, 20 for protein).

Alphabets (`ALPHABETS`) and the documented choices:

* DNA ``ACGT`` with ids 0-3, plus ``N`` (any base) with id 4. One-hot rows are ``(L, 4)``; ``N`` is the
  uniform row ``[0.25] * 4`` (as in Basset, Kelley et al. 2016), which keeps "any base" an honest
  distribution and is its own reverse complement. The order ACGT makes the complement a reversal of the
  channel axis (A<->T, C<->G), so the reverse complement of a one-hot sequence is ``x.flip(0, 1)``: exact.
  IUPAC codes other than N (R, Y, ...) are rejected rather than guessed.
* Protein: the 20 standard amino acids ``ACDEFGHIKLMNPQRSTVWY`` (ids 0-19) plus ``X`` (any, id 20,
  uniform one-hot row 1/20). ``B Z J U O *`` are rejected; map them to ``X`` first if a data set uses them.
* Letters are read case-insensitively. `read_fasta` upper-cases them unless ``keep_case=True``: a genome's
  soft mask (repeats in lower case) is then lost, which it warns of where a file mixes the cases.

FASTA files may be gzip-compressed (detected from the magic bytes, not the name). An invalid letter is a
ValueError naming the record, its line in the file and its 0-based position in the record.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from ..checks import is_count, is_flag, missing_file, stand_in
from .collate import refuse_keyed, zero_runs
from .text import DAMAGED_STREAM, EMPTY_DATASET, _label_ids, check_aligned, damaged_stream, open_decompressed

ALPHABETS: dict[str, tuple[str, str]] = {"dna": ("ACGT", "N"), "protein": ("ACDEFGHIKLMNPQRSTVWY", "X")}
"""name -> (letters, wildcard). Letter ``i`` has id ``i``; the wildcard has id ``len(letters)``."""

_COMPLEMENT = str.maketrans("ACGTNRYKMSWBDHV" "acgtnrykmswbdhv", "TGCANYRMKSWVHDB" "tgcanyrmkswvhdb")


_ALPHABET_NAMES = {"rna": "rna", "nucleotide": "dna", "nucleic": "dna", "nt": "dna", "aa": "protein",
                   "amino": "protein", "amino_acid": "protein", "amino acid": "protein", "peptide": "protein"}
"""Other names of the alphabets (Biopython's, EMBOSS', the readers of other tools), lower case -> what to pass."""


def _alphabet(name: str) -> tuple[str, str]:
    if name not in ALPHABETS:
        key = name.lower().strip() if isinstance(name, str) else None
        said = key if key in ALPHABETS else _ALPHABET_NAMES.get(key)
        fix = ("; RNA is read as DNA with T for U: seq.replace('U', 'T').replace('u', 't') (soft-masked lower case "
               "too), or of a file sed '/^>/!y/Uu/Tt/' in.fa > out.fa, then alphabet='dna'" if said == "rna" else
               f"; pass alphabet={said!r}" if said else "")
        raise ValueError(f"alphabet must be one of {sorted(ALPHABETS)}, got {name!r}{fix}")
    return ALPHABETS[name]


def _lookup(name: str) -> np.ndarray:
    """Code point -> id table (size 128), -1 for letters outside the alphabet."""
    letters, wildcard = _alphabet(name)
    table = np.full(128, -1, dtype=np.int64)
    for i, c in enumerate(letters + wildcard):
        table[ord(c)] = table[ord(c.lower())] = i
    return table


_IUPAC_LOOKUP = np.full(128, -1, dtype=np.int64)
_IUPAC_LOOKUP[[ord(c) for c in "ACGTNRYKMSWBDHVacgtnrykmswbdhv"]] = 0


def _codes(seq: str) -> np.ndarray:
    return np.frombuffer(seq.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)  # read_fasta's escaped bytes


def _first_invalid(seq: str, table: np.ndarray) -> int | None:
    codes = _codes(seq)
    bad = np.flatnonzero((codes >= 128) | (table[np.minimum(codes, 127)] < 0))
    return int(bad[0]) if len(bad) else None


_PROTEIN_ONLY = set("EFILPQ")
"""Amino acids that are no nucleotide code (not ACGTUN nor IUPAC RYKMSWBDHV): a DNA read holding them is a protein."""


_UNIPROT_EXTRA = {"U": "selenocysteine (made from cysteine: C)", "O": "pyrrolysine (made from lysine: K)",
                  "B": "aspartic acid or asparagine (D or N, unresolved: X)",
                  "Z": "glutamic acid or glutamine (E or Q, unresolved: X)",
                  "J": "leucine or isoleucine (L or I, unresolved: X)"}
"""Letters of UniProt's and NCBI's protein sequences beyond the 20 (selenoproteins, as GPX1_HUMAN, hold U)."""


_TO_FASTA = ("convert the file to FASTA first (Biopython: SeqIO.convert(path, 'genbank', 'out.fasta', 'fasta'); "
             "EMBOSS: seqret -sformat genbank -osformat fasta)")
_GENBANK_LINE = re.compile(r"(^|\s)\d+ [A-Za-z*-]{10}(\s|$)")
"""A GenBank ORIGIN line: the position of its first letter, then blocks of 10 letters split by spaces."""


def _invalid_message(name: str, letter: str, seq: str = "") -> str:
    letters, wildcard = _alphabet(name)
    if "\udc80" <= letter <= "\udcff":  # a byte that is not UTF-8, kept by surrogateescape
        shown = f"byte {ord(letter) - 0xDC00:#x} (not UTF-8 text)"
    elif not letter.isascii():  # Cyrillic 'Т' or Greek 'Α' print as 'T' and 'A': name the character itself
        plain = unicodedata.normalize("NFKC", letter)
        shown = (f"letter {letter!r} (U+{ord(letter):04X} {unicodedata.name(letter, 'unnamed')}, not an ASCII letter "
                 "however it looks: text pasted from a document, or typed in another keyboard layout?"
                 + (f" unicodedata.normalize('NFKC', seq) makes it {plain!r})" if plain.isascii() else ")"))
    else:
        shown = f"letter {letter!r}"
    hint = ""
    if letter in "-.":  # replaced by the wildcard, a gap (no letter at all) would be read as a letter of its own
        return (f"invalid {shown}, an alignment gap: this looks like aligned sequences (a multiple alignment's rows, "
                f"as MAFFT, Clustal or MUSCLE write them), not {name} sequences; strip the gaps to read the sequences "
                f"(re.sub('[-.]', '', seq), e.g. seqkit seq -g in.fa > out.fa), rather than replace them with "
                f"{wildcard}: {wildcard} is an unknown letter, a gap is none")
    protein = sorted(_PROTEIN_ONLY & set(seq.upper())) if name == "dna" else []
    if (letter.isdigit() or letter.isspace()) and _GENBANK_LINE.search(seq) or "ORIGIN" in seq:
        hint = (" This looks like GenBank sequence lines (position numbers and blocks of 10 letters, after ORIGIN), "
                f"not bare letters: {_TO_FASTA}, or strip the numbers and spaces (re.sub(r'[\\d\\s/]', '', text)).")
    elif letter == " " and re.search(r"[A-Za-z*] +[A-Za-z*]", seq):  # replaced by N, each space would be a letter
        return (f"invalid {shown}: this looks like a sequence split into blocks by spaces (as GenBank and printed "
                "sequences are laid out), not bare letters: remove the spaces first (seq.replace(' ', ''); read_fasta "
                "removes them from a file's sequence lines itself, as Biopython does)")
    elif protein:  # 'M' (methionine, a protein's first letter) would otherwise be named an IUPAC code to replace
        hint = (f" This looks like a protein, not DNA: it holds {', '.join(protein)}, amino acids that are no "
                "nucleotide code; pass alphabet='protein'.")
    elif name == "dna" and letter in "Uu":
        hint = " This looks like RNA: replace U with T (seq.replace('U', 'T')) to read it as DNA."
    elif name == "dna" and letter.upper() in "RYKMSWBDHV":
        hint = (f" {letter!r} is an IUPAC ambiguity code, which rnnkit does not guess among bases: replace it with N "
                "(e.g. re.sub('[RYKMSWBDHV]', 'N', seq, flags=re.I)); if this is a protein sequence, pass "
                "alphabet='protein'.")
    elif name == "protein" and letter.upper() in _UNIPROT_EXTRA:  # UniProt's letters beyond the 20
        extra = sorted(set(seq.upper()) & set(_UNIPROT_EXTRA))
        hint = (f" {letter!r} is {_UNIPROT_EXTRA[letter.upper()]}, one of UniProt's letters beyond the 20 amino "
                f"acids (this sequence holds {', '.join(extra)}); read each as the amino acid it is made from or as "
                "unknown: seq.upper().translate(str.maketrans('UOBZJ', 'CKXXX')), or of a file sed "
                "'/^>/!y/UOBZJuobzj/CKXXXckxxx/' in.fa > out.fa.")
    elif name == "protein" and letter == "*":
        hint = " '*' marks a stop codon: strip it (seq.rstrip('*')), or replace inner ones with X."
    elif name == "dna" and letter.upper() in ALPHABETS["protein"][0]:
        hint = " If this is a protein sequence, pass alphabet='protein'."
    return (f"invalid {shown}; {name} sequences may contain {', '.join(letters + wildcard)} "
            f"(any case; {wildcard} = unknown). Replace other codes with {wildcard} before loading.{hint}")


def _letters(seq, who: str = "") -> str:
    """The letters of ``seq``: a str, or a `FastaRecord` (its ``sequence``: a record is a (name, sequence) tuple,
    which would otherwise be read as two sequences, or as one of length 2). ValueError for anything else."""
    if isinstance(seq, FastaRecord):
        return seq.sequence
    if not isinstance(seq, str):
        raise ValueError(f"{who}a sequence must be a str of letters, got {type(seq).__name__}"
                         + ("; decode bytes first (seq.decode('ascii'))" if isinstance(seq, bytes) else ""))
    return seq


def _nucleic_as_protein(seq: str) -> str | None:
    """The refusal for a DNA sequence given as protein, whose bases are amino acids too (A alanine, C cysteine,
    G glycine, T threonine, N asparagine): 30 letters or more, at least three of ACGT and nothing else, which no
    protein is (a poly-alanine stretch alone is let through). None for anything else. (RNA's U is no amino acid:
    it is refused as an invalid letter.)"""
    letters = set(seq.upper()) if len(seq) >= 30 else set()
    if not letters or not letters <= set("ACGTN") or len(letters & set("ACGT")) < 3:
        return None
    return (f"this looks like DNA, not protein: its {len(seq)} letters are all {', '.join(sorted(letters))}, which as "
            "protein would be read as the amino acids alanine, cysteine, glycine, threonine; pass alphabet='dna'")


def encode_sequence(seq: str, *, alphabet: str = "dna") -> torch.Tensor:
    """Letter ids ``(L,)`` int64 (see `ALPHABETS`) of a str or a `FastaRecord`; an invalid letter raises
    ValueError with its position."""
    table = _lookup(alphabet)
    seq = _letters(seq)
    bad = _first_invalid(seq, table)
    if bad is not None:
        raise ValueError(f"position {bad}: {_invalid_message(alphabet, seq[bad], seq)}")
    if alphabet == "protein" and (nucleic := _nucleic_as_protein(seq)):
        raise ValueError(nucleic)
    return torch.from_numpy(table[_codes(seq).astype(np.int64)])


def one_hot_encode(ids: torch.Tensor, *, alphabet: str = "dna",
                   lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
    """Ids ``(..., L)`` -> float32 ``(..., L, K)``; the wildcard id gives the uniform row ``1 / K``.

    The ids are letter ids in ``[0, K]`` (`encode_sequence`); letters, fractions and other ids (a negative id
    would index from the end of the table, a k-mer id beyond it) are refused. A padded batch ``(B, L)`` of ids
    (`pad_collate`'s ``x``, padded with 0, which is A's id) takes ``lengths`` (``(B,)``, `SequenceBatch.lengths`):
    the rows past each length are all zero, the padding `reverse_complement_one_hot` and the models read as none;
    without them its padding would be A's. A batch whose rows end in runs of id 0 of several lengths, one of 8 or
    more, is warned of without ``lengths``."""
    K = len(_alphabet(alphabet)[0])
    if isinstance(ids, str | FastaRecord | bytes) or isinstance(ids, list | tuple) and any(
            isinstance(v, str) for v in ids):  # a list of letters: torch's "too many dimensions 'str'"
        letters = isinstance(ids, list | tuple)
        seq = "''.join(letters)" if letters else "seq"
        raise ValueError(f"one_hot_encode takes letter ids, got a {type(ids).__name__}{' of letters' * letters}: "
                         f"encode the letters first, one_hot_encode(encode_sequence({seq}, alphabet={alphabet!r}), "
                         f"alphabet={alphabet!r})")
    if isinstance(ids, list | tuple) and ids and all(isinstance(v, torch.Tensor | np.ndarray | list | tuple)
                                                     for v in ids):
        sizes = [len(v) for v in ids]
        if len(set(sizes)) > 1:  # torch's "only integer tensors of a single element can be converted to an index"
            raise ValueError(f"one_hot_encode got a list of {len(ids)} sequences of different lengths ({sizes[:5]}"
                             f"{' ...' if len(ids) > 5 else ''}), which make no one tensor; encode each, "
                             "[one_hot_encode(x) for x in ids], and pad them with pad_collate (padding as all-zero "
                             "rows, which no letter is), or use BioSequenceDataset")
        ids = [torch.as_tensor(v) for v in ids]
        ids = torch.stack(ids) if all(v.dim() for v in ids) else torch.as_tensor(ids)
    ids = torch.as_tensor(ids)
    if ids.is_floating_point() or ids.dtype == torch.bool or ids.is_complex():
        raise ValueError(f"one_hot_encode takes integer letter ids, got dtype {ids.dtype}; use "
                         f"encode_sequence(seq) for them (or ids.long() if they are whole numbers)")
    if ids.numel() and not (0 <= int(ids.min()) and int(ids.max()) <= K):
        raise ValueError(f"one_hot_encode: ids must be letter ids of the {alphabet} alphabet, in [0, {K}] ({K} = "
                         f"{ALPHABETS[alphabet][1]}), got min {int(ids.min())} and max {int(ids.max())}; encode "
                         f"the letters with encode_sequence (k-mer ids need a Vocab and an embedding instead)")
    table = torch.cat([torch.eye(K), torch.full((1, K), 1.0 / K)])  # (K + 1, K)
    if lengths is None:
        _warn_padded_batch(ids)
        return table[ids.long()]
    n = torch.as_tensor(lengths)
    if ids.dim() != 2 or n.shape != ids.shape[:1] or n.is_floating_point() or n.dtype == torch.bool or (
            n.numel() and not (0 <= int(n.min()) and int(n.max()) <= ids.shape[1])):
        raise ValueError(f"one_hot_encode: lengths must be (B,) integers in [0, L] for a batch of ids (B, L), got "
                         f"lengths of shape {tuple(n.shape)} (dtype {n.dtype}) for ids of shape {tuple(ids.shape)}")
    x = table[ids.long()]  # (B, L, K)
    return x * (torch.arange(ids.shape[1]) < n[:, None])[..., None]  # padding: all-zero rows


def _warn_padded_batch(ids: torch.Tensor) -> None:
    """Warn of a batch of ids ``(B, L)`` that looks padded with 0 (A's id, as `pad_collate` pads): half its rows or
    more end in runs of 0, of several lengths (`zero_runs`, the rule `pad_collate` reads token ids by), the longest
    8 or more (a run of 8 A's ends a random sequence once in 65536). One-hot, the padding would be A's, not the
    all-zero rows that padding is."""
    runs = zero_runs(ids)  # (B,) or None
    if runs is None or runs.max() < 8:
        return
    rows = np.flatnonzero(runs > 0)
    warnings.warn(f"one_hot_encode: {len(rows)} of the batch's {len(runs)} rows (the first: row {int(rows[0])}) end "
                  f"in runs of id 0 ({ALPHABETS['dna'][0][0]}'s id) of {int(runs[rows].min())} to {int(runs.max())} "
                  "steps: a batch padded with 0 (pad_collate's x)? one-hot, its padding would be A's, not the all-zero "
                  "rows padding is, so reverse_complement_one_hot would move it to the front as T's and a model "
                  "without the mask would read it; pass lengths=batch.lengths (rows past each length all zero), or, "
                  "if the sequences end so, silence this with warnings.filterwarnings('ignore', '.*end in runs of id "
                  "0')", UserWarning, stacklevel=3)


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (case kept; N stays N).

    IUPAC ambiguity codes are complemented too (R <-> Y, K <-> M, B <-> V, D <-> H; S, W, N are their own), so
    genome text with them keeps its meaning; any other letter (RNA's U, a gap '-') is a ValueError.
    """
    seq = _letters(seq, "reverse_complement: ")
    bad = _first_invalid(seq, _IUPAC_LOOKUP)
    if bad is not None:
        hint = " (RNA: replace U with T first)" if seq[bad] in "Uu" else ""
        raise ValueError(f"reverse_complement: position {bad} holds {seq[bad]!r}, not a DNA letter (ACGTN or an "
                         f"IUPAC code RYKMSWBDHV, any case){hint}")
    return seq.translate(_COMPLEMENT)[::-1]


def reverse_complement_ids(ids: torch.Tensor, *, lengths: torch.Tensor | Sequence[int] | None = None) -> torch.Tensor:
    """Reverse complement of DNA ids ``(L,)``: reversed, with ``i -> 3 - i`` for ACGT and N (4) kept.

    A batch ``(B, L)`` needs ``lengths`` ``(B,)`` (`SequenceBatch.lengths`): each row is reversed over its own
    length and its padding stays at the end. Padding is id 0, A's own id, so a plain flip would put it at the front
    as T's, under a mask that keeps the first ``lengths[b]`` steps; such a batch without ``lengths`` is refused.

    The ids must be DNA letter ids in [0, 4] (`encode_sequence`): k-mer or protein ids, or floats, are refused (they
    have no such complement)."""
    ids = torch.as_tensor(ids)
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"reverse_complement_ids takes integer DNA letter ids, got dtype {ids.dtype}; use "
                         "encode_sequence(seq) for them")
    if ids.numel() and not (0 <= int(ids.min()) and int(ids.max()) <= 4):
        raise ValueError(f"reverse_complement_ids takes DNA letter ids in [0, 4] (A, C, G, T, N), got min "
                         f"{int(ids.min())} and max {int(ids.max())}; k-mer ids? take the reverse complement of the "
                         "sequence first: kmer_ids(reverse_complement(seq), k)")
    if ids.dim() > 2 or ids.dim() == 2 and lengths is None:  # padding (id 0, A) would become T's at the front
        raise ValueError(f"reverse_complement_ids of a batch of shape {tuple(ids.shape)} needs lengths=batch.lengths "
                         "(B,): a padded batch's padding is id 0, A's own id, which a flip would put at the front "
                         "of each shorter sequence as T's; pass the lengths (torch.full((B,), L) for one without "
                         "padding), or take each sequence's own: reverse_complement_ids(ids[b, :n])"
                         if ids.dim() == 2 else
                         f"reverse_complement_ids takes ids (L,) or a batch (B, L) with lengths, got shape "
                         f"{tuple(ids.shape)}")
    if lengths is None:
        ids = ids.flip(-1)
        return torch.where(ids < 4, 3 - ids, ids)
    n = torch.as_tensor(lengths)
    B, L = ids.shape if ids.dim() == 2 else (None, ids.shape[0])
    if ids.dim() != 2 or n.shape != (B,) or n.is_floating_point() or n.numel() and not (
            0 <= int(n.min()) and int(n.max()) <= L):
        raise ValueError(f"reverse_complement_ids: lengths must be (B,) integers in [0, L] for a batch (B, L), got "
                         f"lengths of shape {tuple(n.shape)} (dtype {n.dtype}) for ids of shape {tuple(ids.shape)}")
    t = torch.arange(L)
    inside = t < n[:, None]  # (B, L)
    src = torch.where(inside, n[:, None] - 1 - t, t)  # row b's step t reads step n_b - 1 - t; padding stays
    out = ids.gather(1, src)
    return torch.where(inside & (out < 4), 3 - out, out)


def reverse_complement_one_hot(x: torch.Tensor) -> torch.Tensor:
    """Reverse complement of a one-hot DNA sequence ``(L, 4)`` in ACGT order: ``x.flip(-2, -1)``.

    Only for unpadded sequences: a batch padded with zero rows, whose padding the flip would move to the front, is
    refused, and so is a last axis of another size than 4 (a protein's 20).
    """
    if x.dim() < 2 or x.shape[-1] != 4:
        raise ValueError(f"reverse_complement_one_hot takes one-hot DNA (L, 4) in ACGT order, got shape "
                         f"{tuple(x.shape)}" + ("; protein (L, 20) has no reverse complement"
                                                 if x.dim() >= 2 and x.shape[-1] == 20 else ""))
    blank = (x == 0).all(-1).reshape(-1, x.shape[-2])  # (B', L): a row of no letter (N is 0.25s): padding
    if bool(blank.any()):  # flipped, the padding would move to the front of the sequence, and its letters back
        b, k = (int(v) for v in torch.nonzero(blank)[0])
        which = f"sequence {b} of the batch" if x.dim() > 2 else "the sequence"
        raise ValueError(f"reverse_complement_one_hot: {which} has an all-zero row at step {k}, which no letter is "
                         f"(N is 0.25 in each channel): padding, which the flip would move to the front; take each "
                         f"sequence's reverse complement over its own length, x[b, :n].flip(-2, -1), or "
                         f"reverse_complement_ids(ids) before padding")
    return x.flip(-2, -1)


def _check_kmer(k: int, stride: int) -> None:
    for name, v in (("k", k), ("stride", stride)):
        if not is_count(v):
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")


def _warn_uncovered_tail(who: str, seq: str, k: int, stride: int) -> None:
    """Warn where a stride of 2 to ``k`` leaves the last ``(L - k) % stride`` letters in no k-mer (DNABERT's and the
    Nucleotide Transformer's non-overlapping 6-mers, ``stride=k``, of a sequence whose length is no multiple of 6):
    a motif there would be dropped without a word. A stride beyond ``k`` skips letters by design, and is not told."""
    tail = (len(seq) - k) % stride if 1 < stride <= k and len(seq) >= k else 0
    if tail:
        n = (len(seq) - k) // stride + 1
        warnings.warn(f"{who}: the last {tail} letter(s) of the {len(seq)} ({seq[-tail:]!r}) lie in no {k}-mer at "
                      f"stride {stride}: the {n} k-mers cover letters 0 to {len(seq) - tail - 1}, and those are left "
                      f"out; to keep them, pad the sequence with N to a whole number of strides (seq + "
                      f"'N' * {stride - tail}: a last k-mer with the wildcard), or cut them off yourself to say so "
                      f"(seq[:{len(seq) - tail}])", UserWarning, stacklevel=3)


def kmers(seq: str, k: int, *, stride: int = 1, alphabet: str = "dna") -> list[str]:
    """Overlapping k-mers (upper-cased) starting every ``stride`` letters: ``L - k`` // stride + 1 of them.

    The letters are checked against ``alphabet`` as `encode_sequence` checks them (RNA's U, a gap '-' or an IUPAC
    code would make words of their own); a sequence shorter than ``k`` has none (an empty list, as ``range`` gives).
    A stride of 2 to ``k`` leaves the last ``(L - k) % stride`` letters in no k-mer (non-overlapping 6-mers of 100
    letters cover 96): that is warned of; pad with ``N`` to keep them, or cut them off first."""
    _check_kmer(k, stride)
    seq = _letters(seq, "kmers: ")
    bad = _first_invalid(seq, _lookup(alphabet))
    if bad is not None:
        raise ValueError(f"kmers: position {bad}: {_invalid_message(alphabet, seq[bad], seq)}")
    seq = seq.upper()
    _warn_uncovered_tail("kmers", seq, k, stride)
    return [seq[i : i + k] for i in range(0, len(seq) - k + 1, stride)]


def kmer_ids(seq: str, k: int, *, stride: int = 1, alphabet: str = "dna") -> torch.Tensor:
    """k-mer ids ``(n,)`` int64: base-``K`` numbers of the letter ids (``AAA`` = 0, ``AAC`` = 1, ...).

    A k-mer containing the wildcard gets the extra id ``K ** k``, so the vocabulary size is ``K ** k + 1``. A
    stride of 2 to ``k`` that leaves the last letters in no k-mer is warned of, as in `kmers`.
    """
    K = len(_alphabet(alphabet)[0])
    _check_kmer(k, stride)
    if K**k >= 2**63:
        raise ValueError(f"{k}-mer ids of the {alphabet} alphabet reach {K}**{k}, beyond int64; use k <= "
                         f"{int(63 / np.log2(K) - 1e-9)} (or kmers() and a Vocab for longer words)")
    ids = encode_sequence(seq, alphabet=alphabet).numpy()
    if len(ids) < k:
        raise ValueError(f"kmer_ids: a sequence of {len(ids)} letters has no {k}-mers; drop sequences shorter than "
                         f"{k} letters, pad them with N to {k} (seq + 'N' * {k - len(ids)}: a k-mer of the wildcard's "
                         f"id), or use a k of {max(len(ids), 1)} or less")
    _warn_uncovered_tail("kmer_ids", _letters(seq).upper(), k, stride)
    windows = np.lib.stride_tricks.sliding_window_view(ids, k)[::stride]  # (n, k)
    values = windows @ (K ** np.arange(k - 1, -1, -1, dtype=np.int64))
    return torch.from_numpy(np.where((windows == K).any(axis=1), K**k, values))


class FastaRecord(NamedTuple):
    name: str  # the header line after '>', up to the first whitespace
    sequence: str  # the letters, line breaks removed; upper-cased unless read with keep_case=True


def read_fasta(path: str | os.PathLike, *, alphabet: str = "dna", keep_case: bool | None = None
               ) -> list[FastaRecord]:
    """Read a FASTA file (plain, gzip, bzip2 or xz), validating every letter against ``alphabet``.

    Spaces and tabs inside a sequence line are removed, as Biopython's FASTA parser removes them: sequence lines
    laid out in blocks (``ACGTACGTAC GTACGTACGT``) read as their letters. A line numbered as GenBank's ``ORIGIN``
    lines are (``1 acgtacgtac ...``) is still refused at its digits, with a word of the format.

    Raises:
        ValueError: empty file, text before the first ``>`` header, a record without sequence, or an
            invalid letter (message names the record, the line and the 0-based position in the record);
            FASTQ lines inside a record and UTF-16 files are named as such.

    A record with no name after ``>`` is named by its place (``'<unnamed record 0>'``), with a warning.

    Letters are upper-cased unless ``keep_case=True``, which keeps them as written: a genome's soft mask (repeats in
    lower case, as UCSC's and Ensembl's ``*.dna_sm.*`` files hold them) stays readable, as
    ``[c.islower() for c in r.sequence]``; the encoders read either case alike. With the default (``None``), a file
    that mixes lower- and upper-case letters is upper-cased with a warning that the mask is lost;
    ``keep_case=False`` upper-cases without a word.
    """
    if keep_case is not None and not is_flag(keep_case):
        raise ValueError(f"read_fasta: keep_case must be True (letters as written: a soft mask kept) or False "
                         f"(upper-cased), got {keep_case!r}")
    table = _lookup(alphabet)
    masked: list[tuple[str, int]] = []  # (name, lower-case letters) of each record holding some
    if os.path.isdir(path):  # a folder of FASTA files given as one
        raise ValueError(f"{path} is a directory, not a FASTA file; read the files in it one by one (e.g. [r for p in "
                         f"sorted(Path({str(path)!r}).glob('*.fa*')) for r in read_fasta(p)])")
    if not os.path.isfile(path):
        raise ValueError(missing_file(path, "expected a FASTA file (plain, gzip, bzip2 or xz)"))
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic.startswith((b"\xff\xfe", b"\xfe\xff", b">\x00", b"\x00>")):  # read as UTF-8, no line is a header
        raise ValueError(f"{path} is UTF-16 text (as Windows PowerShell's '>' and Notepad's 'Unicode' write it), not "
                         "ASCII; convert it first, e.g. iconv -f utf-16 -t ascii in.fa > out.fa, or in PowerShell "
                         "Out-File -Encoding ascii")
    if magic.startswith(b"PK\x03\x04"):
        raise ValueError(f"{path} is a zip archive, not FASTA; unzip it (unzip {os.path.basename(path)}) and read the "
                         "FASTA file inside (read_fasta reads plain, gzip, bzip2 and xz files)")
    records: list[FastaRecord] = []
    name, parts, line_numbers, starts, n_letters, header_line, header = None, [], [], [], 0, 0, ""
    spaced: dict[int, str] = {}  # line number -> a sequence line as written, where it held spaces
    headers: list[str] = []  # each record's header as written, after '>' (its name is the first word)

    def finish(next_header: int | None = None):
        # validating a whole record at once is ~50x faster than line by line; the line is found on error
        if name is None:
            return
        if n_letters == 0:  # read as nothing, the records after it would be read with their neighbours' labels
            then = "the file ends" if next_header is None else f"line {next_header} is the next header"
            raise ValueError(f"{path}: record {name!r} (line {header_line}) has no sequence ({then}): an empty "
                             "record (a tool's output for a sequence it filtered out?), or a header broken over two "
                             "lines; drop the empty records (e.g. seqkit seq -m 1 in.fa > out.fa) or give this one "
                             "its letters")
        seq = "".join(parts)
        bad = _first_invalid(seq, table)
        if bad is not None:
            j = bisect.bisect_right(starts, bad) - 1
            if bad == starts[j] and seq[bad] in "@+":  # a FASTQ record's name or separator line, not a letter
                raise ValueError(f"{path}: record {name!r}, line {line_numbers[j]} starts with {seq[bad]!r}, as a "
                                 "FASTQ record's lines do ('@' read name, sequence, '+', qualities): FASTQ reads "
                                 "inside a FASTA file (two files joined?); convert them to FASTA first, e.g. seqtk "
                                 "seq -a in.fq > out.fa")
            written = spaced.get(line_numbers[j])  # GenBank's numbered blocks are told by their spaces
            raise ValueError(f"{path}: record {name!r}, line {line_numbers[j]}, position {bad}: "
                             + _invalid_message(alphabet, seq[bad], seq if written is None else f"{written}\n{seq}"))
        if alphabet == "protein" and (nucleic := _nucleic_as_protein(seq)):
            raise ValueError(f"{path}: record {name!r} (line {header_line}): {nucleic}")
        if not keep_case and not seq.isupper():  # lower case: a soft mask, or a file written in lower case
            masked.append((name, int((np.frombuffer(seq.encode("ascii"), np.uint8) >= ord("a")).sum())))
        records.append(FastaRecord(name, seq if keep_case else seq.upper()))
        headers.append(header)

    # UTF-8 headers keep their names; a byte-order mark is skipped; other bytes stay visible (surrogateescape)
    lineno, unnamed = 0, []
    try:
        with open_decompressed(path, "rt", encoding="utf-8-sig", errors="surrogateescape") as f:
            for lineno, line in enumerate(f, start=1):
                # a byte-order mark at the start of a later line is that of a file joined on (cat a.fa b.fa)
                line = line.strip().removeprefix("\ufeff")
                if not line:
                    continue
                if line.startswith(";"):  # else read as letters, or as text before the first header
                    raise ValueError(f"{path}, line {lineno} starts with ';', a comment line of the old FASTA format, "
                                     "which read_fasta does not read (it would be taken for sequence letters); remove "
                                     "the comment lines first, e.g. grep -v '^;' in.fa > out.fa")
                if line.startswith(">"):
                    finish(lineno)
                    words, header = line[1:].split(maxsplit=1), line[1:].strip()
                    name = words[0] if words else f"<unnamed record {len(records)}>"
                    if bad := re.search("[\udc80-\udcff]", name):  # kept as a surrogate, the name fails when written
                        latin1 = line[:60].encode("utf-8", "surrogateescape").decode("latin-1")  # as written
                        raise ValueError(f"{path}, line {lineno}: the header {latin1!r} (read as Latin-1) holds byte "
                                         f"{ord(bad.group()) - 0xDC00:#x}, which is not UTF-8 (a header written in "
                                         "Latin-1 or Windows-1252?); convert the file to UTF-8 first, e.g. iconv -f "
                                         "latin1 -t utf-8 in.fa > out.fa, so that the record's name reads as written")
                    if not words:
                        unnamed.append((name, lineno))
                    parts, line_numbers, starts, n_letters, header_line = [], [], [], 0, lineno
                    spaced.clear()
                    continue
                if name is None:
                    if lineno == 1 and (instead := stand_in(path)):
                        raise ValueError(f"read_fasta: {path} {instead}")
                    fastq = " It starts like FASTQ ('@' read names): convert it, e.g. seqtk seq -a in.fq > out.fa." \
                        if lineno == 1 and line.startswith("@") else ""
                    if lineno == 1 and line.startswith("LOCUS"):  # a GenBank record's first line
                        fastq = (" It is a GenBank file (LOCUS, features, then the ORIGIN block of numbered "
                                 f"sequence lines): {_TO_FASTA}.")
                    raise ValueError(f"{path}, line {lineno}: sequence text before the first '>' header; "
                                     f"is this a FASTA file?{fastq}")
                if " " in line or "\t" in line:  # blocks of letters (GenBank's, a printed sequence's): as Biopython
                    spaced.setdefault(lineno, line)  # kept for the error of a numbered GenBank line
                    line = "".join(line.split())
                parts.append(line)
                line_numbers.append(lineno)
                starts.append(n_letters)
                n_letters += len(line)
    except DAMAGED_STREAM as e:  # a compressed file cut short or damaged
        damaged = damaged_stream(path, e, f" after line {lineno}" if lineno else "")
        if damaged is None:
            raise
        raise damaged from None
    finish()
    if not records:
        raise ValueError(f"{path} contains no FASTA records (empty file?); expected '>name' lines")
    if unnamed:  # a name the file does not hold: a table keyed by the file's names cannot find the record
        warnings.warn(f"{path}: {len(unnamed)} record(s) have no name after '>' (the first at line {unnamed[0][1]}), "
                      f"and are named by their place ({unnamed[0][0]!r}); give each record a name in the file if "
                      "labels or splits are keyed by name", UserWarning, stacklevel=2)
    _warn_repeated_names(path, records, headers)
    if keep_case is None:
        _warn_soft_mask(path, masked, sum(len(r.sequence) for r in records))
    return records


def _warn_soft_mask(path, masked: list[tuple[str, int]], n_letters: int) -> None:
    """Warn where `read_fasta` upper-cased a file of lower- and upper-case letters: a soft mask (repeats in lower
    case), which upper-casing loses. A file in lower case throughout holds no mask, and is upper-cased silently."""
    lower = sum(n for _, n in masked)
    if not lower or lower == n_letters:
        return
    warnings.warn(f"{path}: {lower} of the {n_letters} letters ({len(masked)} record(s), the first {masked[0][0]!r}) "
                  "are lower case beside upper-case ones: a soft mask (repeats in lower case, as UCSC's and Ensembl's "
                  "genomes write them), which read_fasta upper-cased, so the mask is lost; pass keep_case=True to "
                  "keep the letters as written (the encoders read either case alike; a record's mask is "
                  "[c.islower() for c in r.sequence]), or keep_case=False to upper-case them without this warning",
                  UserWarning, stacklevel=3)


def _warn_repeated_names(path, records: list[FastaRecord], headers: list[str]) -> None:
    """Warn of records that share a name (two files concatenated, or a record pasted twice): both are kept, as
    given, but a table keyed by name (labels, a split by name) would read one of them for both."""
    first: dict[str, int] = {}
    repeats = []
    for i, r in enumerate(records):
        if (j := first.setdefault(r.name, i)) != i:
            repeats.append((j, i))
    if repeats:
        a, b = repeats[0]
        cut = [(j, i) for j, i in repeats if headers[j] != headers[i]]
        if cut:  # '>sample 1' and '>sample 2': names cut at the first space, where the file's ids hold spaces
            a, b = cut[0]
            warnings.warn(f"{path}: records {a} and {b} are both named {records[a].name!r}: their headers "
                          f"{headers[a]!r} and {headers[b]!r} differ only after the first space, and a record's name "
                          f"is its header's first word (as Biopython's record.id is; {len(cut)} such record(s)); "
                          "both are kept, but a table keyed by name would mix them up (a dict by name would keep one "
                          "of them); write the ids without spaces (sed '/^>/ s/ /_/g' in.fa > out.fa)",
                          UserWarning, stacklevel=3)
            return
        same = "the same sequence" if records[a].sequence == records[b].sequence else "another sequence"
        warnings.warn(f"{path}: record {b} is named {records[b].name!r}, as record {a} is, and holds {same} "
                      f"({len(repeats)} record(s) repeat an earlier name); both are kept, but a table keyed by name "
                      "would mix them up: drop repeated records or rename them", UserWarning, stacklevel=3)


def dinucleotide_shuffle(seq: str, *, rng: np.random.Generator | int = 0) -> str:
    """A uniformly random sequence among those with exactly the dinucleotide (letter-pair) counts, first and
    last letter of ``seq``: the Altschul & Erickson (1985) shuffle, drawn exactly uniformly as in Kandel et al.
    (1996), "Shuffling biological sequences".

    The usual negatives for motif and promoter models: they keep local base composition (CpG content) but
    destroy longer motifs. Letters are taken as given (case-sensitive; ``N`` is a letter like any other). A
    sequence that mixes cases (a soft-masked genome's repeats in lower case, as UCSC's files and Biopython give
    them) is warned of: its ``a`` and ``A`` are then two letters, so every case switch stays where it was and
    the shuffle is far from the bases' (``"acgtACGT"`` has no other); pass ``seq.upper()`` to shuffle the bases.

    A sequence with these pair counts is an Eulerian path, from the first letter to the last, through the
    multigraph with ``n_vw`` edges ``v -> w`` (``n_vw``: how often ``w`` follows ``v``). Every such path is
    fixed by (a) the *last exit* of each letter ``v`` other than the final letter ``e``: its successor on
    the edge by which the path leaves ``v`` for the last time, and (b) the order of ``v``'s other exits. The
    last exits form a spanning tree directed towards ``e`` (BEST theorem), and every such tree with any
    ordering of the other exits gives a valid path. So:

    1. draw the tree with probability ``∝ Π_v n_{v, next(v)}``: Wilson's (1996) loop-erased random walk with
       steps ``v -> w`` of probability ``n_vw / n_v``, stopped on reaching the tree grown so far (rooted at
       ``e``);
    2. put each letter's other exits in a uniformly random order, the last exit after them (``e``'s exits
       all in random order);
    3. walk from the first letter, leaving each letter by its next unused exit.

    Uniform: a tree admits ``Π_v (n_v - 1)! / Π_w (n_vw - [w = next(v)])! ∝ Π_v n_{v, next(v)}`` distinct
    sequences, which step 1's weight cancels. (Fixing the tree to ``seq``'s own last exits, as DeepLIFT's
    ``dinuc_shuffle`` does, keeps the counts but never draws a sequence whose tree differs.) Sequences
    shorter than 3 letters are returned as they are (their only rearrangement is themselves).
    """
    seq = _letters(seq, "dinucleotide_shuffle: ")  # a record has 2 elements: it would come back as it is
    if seq != seq.upper() and seq != seq.lower():
        switches = sum(a.islower() != b.islower() for a, b in zip(seq, seq[1:], strict=False) if a.isalpha()
                       and b.isalpha())
        warnings.warn(f"dinucleotide_shuffle: the sequence mixes lower- and upper-case letters ({switches} case "
                      f"switches; soft-masked repeats?), which are shuffled as distinct letters: each switch stays "
                      f"in place and the shuffle is far from one of the bases; pass seq.upper() to shuffle the bases "
                      f"(the encoders read both cases alike)", UserWarning, stacklevel=2)
    if not (isinstance(rng, np.random.Generator) or is_count(rng, 0)):  # else numpy's SeedSequence TypeError
        raise ValueError(f"dinucleotide_shuffle: rng must be a numpy Generator or an integer seed >= 0, got {rng!r}")
    rng = np.random.default_rng(rng)
    if len(seq) < 3:
        return seq
    letters, tokens = np.unique(_codes(seq), return_inverse=True)  # tokens (L,): letter indices
    K, final = len(letters), tokens[-1]
    exits = [tokens[1:][tokens[:-1] == v] for v in range(K)]  # exits[v]: the letters after each v, (n_v,)
    # 1. the last-exit tree towards the final letter: every other letter occurs before the end, so has exits
    in_tree = np.arange(K) == final
    last_exit = np.full(K, -1)
    for v in range(K):
        u = v
        while not in_tree[u]:  # random walk; revisiting u overwrites its exit, which erases the loop
            last_exit[u] = exits[u][rng.integers(len(exits[u]))]
            u = last_exit[u]
        u = v
        while not in_tree[u]:
            in_tree[u] = True
            u = last_exit[u]
    # 2. every letter's exits in order of use
    for v in range(K):
        if v == final:
            exits[v] = rng.permutation(exits[v])
        else:
            others = np.delete(exits[v], np.flatnonzero(exits[v] == last_exit[v])[0])
            exits[v] = np.append(rng.permutation(others), last_exit[v])
    # 3. the walk (on Python lists: about twice as fast as indexing numpy arrays one element at a time)
    order, used = [e.tolist() for e in exits], [0] * K
    out = [int(tokens[0])]
    for _ in range(len(tokens) - 1):
        v = out[-1]
        out.append(order[v][used[v]])
        used[v] += 1
    return "".join(map(chr, letters[out]))


def _check_labels_by_name(sequences: list, labels) -> None:
    """Refuse labels keyed by the records' names where they would be read by position: a dict (its keys would be
    the labels), a DataFrame (its column names would), or a Series indexed by the names in another order than the
    FASTA file's (a label table sorted or merged by id), where each record would get another record's label."""
    names = [s.name for s in sequences] if sequences and all(isinstance(s, FastaRecord) for s in sequences) else []
    by_record = "[r.name for r in records]"
    if isinstance(labels, Mapping):
        keys = list(labels)[:3]
        keyed = bool(names) and any(isinstance(k, str) and k in set(names) for k in labels)
        raise ValueError(f"labels is a dict ({', '.join(map(repr, keys))}{', ...' if len(labels) > 3 else ''}), whose "
                         "keys would be read as the labels; "
                         + ("it is keyed by the records' names: give the labels in the records' order, "
                            "[labels[r.name] for r in records]" if keyed else
                            "give one label per sequence in the sequences' order (list(labels.values()) if the dict "
                            "holds them in that order)"))
    if type(labels).__name__ == "DataFrame" and hasattr(labels, "columns"):  # pandas, not imported here
        raise ValueError(f"labels is a DataFrame (columns {list(labels.columns)}), whose column names would be read "
                         "as the labels; pass its label column in the sequences' order"
                         + (f", e.g. table.set_index('id')['label'].loc[{by_record}] for a table of the records' "
                            "names and labels" if names else ", e.g. table['label']"))
    index = getattr(labels, "index", None)
    if not names or not hasattr(index, "tolist"):  # list.index is a method
        return
    index = index.tolist()
    if len(index) != len(names) or not all(isinstance(k, str) for k in index):
        return  # another count is refused below; an index of other ids (0 .. n-1) is read by position, as before
    keys, part = names, ""
    if not set(names) & set(index):  # UniProt's 'sp|P69905|HBA_HUMAN': a table keyed by the accession
        fields = [n.split("|") for n in names]
        j = next((j for j in range(min(map(len, fields))) if set(index) <= {f[j] for f in fields}), None)
        if j is None or min(map(len, fields)) < 2:
            return
        keys, part = [f[j] for f in fields], f" (field {j} of names split at '|', as UniProt's are)"
        by_record = f"[r.name.split('|')[{j}] for r in records]"
    if index == keys or not set(keys) & set(index):
        return
    i = next(i for i, (a, b) in enumerate(zip(keys, index, strict=True)) if a != b)
    raise ValueError(f"labels is indexed by the records' names{part} in another order than the records (record {i} is "
                     f"{names[i]!r}, but labels' row {i} is {index[i]!r}), and labels are read by position, so each "
                     f"record would get another record's label; order them as the records: labels.loc[{by_record}]")


def _warn_unknown_throughout(ids: list[torch.Tensor], alphabet: str) -> None:
    """Warn of sequences made of the wildcard alone (N for DNA, X for protein): an assembly gap, a hard-masked repeat
    or a region past a chromosome's end cut out as a sequence of its own. Such an item holds no letter, so its
    one-hot rows are all the uniform 1 / K, the same for every such item, and a model is trained to give each of
    them its label from nothing it can read."""
    letters, wildcard = _alphabet(alphabet)
    empty = [i for i, x in enumerate(ids) if bool((x == len(letters)).all())]  # the wildcard's id follows the letters
    if empty:
        warnings.warn(f"BioSequenceDataset: {len(empty)} of the {len(ids)} sequences (the first: sequence "
                      f"{empty[0]}, of {len(ids[empty[0]])} letters) are {wildcard} throughout, no letter known (an "
                      "assembly gap or a hard-masked region cut out as a sequence?), so every such item reads the same "
                      "and its label is learnt from nothing; drop them first ([s for s in seqs if "
                      f"s.upper().strip({wildcard!r})], r.sequence for read_fasta's records), "
                      f"or, if they are meant so, silence this with warnings.filterwarnings('ignore', '.*{wildcard} "
                      "throughout')", UserWarning, stacklevel=3)


class BioSequenceDataset(Dataset):
    """Sequences as ``x`` or ``(x, label)`` items: one-hot ``(L, K)`` float32 or ids ``(L,)`` int64.

    Args:
        sequences: strings, or the records of `read_fasta` (their ``sequence`` is read); validated when built.
        labels: optional, one int per sequence.
        alphabet: ``"dna"`` or ``"protein"``.
        encoding: ``"one_hot"`` or ``"ids"``.
        rc_prob: DNA only: probability of returning the reverse complement of an item (augmentation; the
            label of a double-stranded sequence does not depend on the strand). Drawn from ``generator``
            or torch's global RNG (which ``DataLoader`` seeds per worker). In a ``DataLoader`` worker the
            ``generator`` seeds a stream of the worker's own, from the generator and the worker's seed (which the
            loader draws anew each epoch): each worker holds a copy of the generator as it was when the workers
            started, so its draws would repeat in every worker and every epoch.
    """

    def __init__(
        self,
        sequences: Sequence[str],
        labels: Sequence[int] | None = None,
        *,
        alphabet: str = "dna",
        encoding: str = "one_hot",
        rc_prob: float = 0.0,
        generator: torch.Generator | None = None,
    ):
        if encoding not in ("one_hot", "ids"):
            raise ValueError(f"encoding must be 'one_hot' or 'ids', got {encoding!r}")
        _alphabet(alphabet)  # refused once, not as the error of sequence 0
        if rc_prob and alphabet != "dna":
            raise ValueError("reverse-complement augmentation needs alphabet='dna'")
        if isinstance(sequences, str | bytes | FastaRecord):  # iterating would read letters (or name, sequence)
            raise ValueError(f"sequences is one {type(sequences).__name__}; BioSequenceDataset takes a list of "
                             "sequences: pass [seq] (or read_fasta(path) for a file's records)")
        refuse_keyed(sequences, "BioSequenceDataset: sequences", "sequences", "sequences")
        if not (isinstance(rc_prob, int | float | np.integer | np.floating) and not isinstance(rc_prob, bool)
                and 0.0 <= rc_prob <= 1.0):  # 50 (a percentage) would always flip; NaN never would
            raise ValueError(f"rc_prob must be a probability in [0, 1], got {rc_prob!r}")
        if labels is not None:
            check_aligned(sequences, labels, "sequences")
        sequences = list(sequences)  # a generator has no len() to match the labels (a Series is read by position)
        if not sequences:
            raise ValueError(f"BioSequenceDataset: no sequences given {EMPTY_DATASET}")
        if labels is not None:
            _check_labels_by_name(sequences, labels)
        typed = labels if hasattr(labels, "dtype") else None  # an array's or a Categorical's own dtype, for the ids
        labels = None if labels is None or isinstance(labels, str) else list(labels)
        if labels is not None and len(labels) != len(sequences):
            raise ValueError(f"got {len(sequences)} sequences but {len(labels)} labels")
        self.ids = []
        for i, s in enumerate(sequences):
            s = s.sequence if isinstance(s, FastaRecord) else s  # read_fasta's records, passed as they come
            if isinstance(s, str) and not s:  # None is not an empty sequence: it is refused by type below
                raise ValueError(f"sequence {i} is empty")
            if isinstance(s, str) and s.strip() in ("nan", "None", "<NA>"):  # 'nan' would read as the bases N, A, N
                raise ValueError(f"sequence {i} is {str(s)!r}, what str() writes for a missing value (an empty cell "
                                 "of a column made text), which would be read as letters (N, A, N); drop the missing "
                                 "sequences first (df.dropna(subset=[col]))")
            try:
                self.ids.append(encode_sequence(s, alphabet=alphabet))
            except ValueError as e:
                raise ValueError(f"sequence {i}, {e}") from None
        _warn_unknown_throughout(self.ids, alphabet)
        self.labels = None if labels is None else _label_ids(labels if typed is None else typed, "BioSequenceDataset")
        self.alphabet, self.encoding, self.rc_prob, self.generator = alphabet, encoding, rc_prob, generator
        self._worker_seed, self._worker_generator = None, None
        self.lengths = np.array([len(x) for x in self.ids], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int):
        ids = self.ids[i]
        if self.rc_prob and float(torch.rand((), generator=self._strand_generator())) < self.rc_prob:
            ids = reverse_complement_ids(ids)
        x = one_hot_encode(ids, alphabet=self.alphabet) if self.encoding == "one_hot" else ids
        return x if self.labels is None else (x, self.labels[i])

    def _strand_generator(self) -> torch.Generator | None:
        """The generator of the strand draws: ``generator``, or in a ``DataLoader`` worker one seeded from it and
        the worker's seed (a copy of ``generator`` would give every worker, every epoch, the same draws)."""
        info = get_worker_info()
        if self.generator is None or info is None:  # torch's global RNG is seeded per worker by DataLoader
            return self.generator
        if self._worker_seed != info.seed:  # a new worker: new each epoch unless persistent_workers
            drawn = int(torch.randint(2**62, (), generator=self.generator))  # the same in every worker's copy
            seed = np.random.SeedSequence([drawn, info.seed]).generate_state(1, np.uint64)[0]
            self._worker_seed, self._worker_generator = info.seed, torch.Generator().manual_seed(int(seed))
        return self._worker_generator
