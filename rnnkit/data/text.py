"""Text as sequences of token ids: vocabularies, language-model streams for truncated BPTT, classification.

Shapes: ``B`` batch, ``T`` time (tokens). Ids are int64.

* `Vocab` maps tokens to ids. Ids 0-3 are always ``<pad>`` (0, so that zero padding from `pad_collate`
  is the pad token), ``<unk>``, ``<bos>``, ``<eos>``; then tokens by falling frequency (ties by token, so
  the same corpus always gives the same ids). Levels: ``"char"``, ``"word"`` (lowercase optional,
  words and single punctuation marks), or ``"token"`` for sequences that are already tokens (events,
  k-mers). Saved as JSON, written atomically.
* `BPTTBatches` is the classic ``batchify`` of word-level LM work (Zaremba et al. 2014; PyTorch's
  word_language_model example), batch-first: the stream is cut into ``B`` contiguous rows
  ``(B, L)`` and read in chunks of ``bptt`` steps, so row ``b`` of chunk ``k+1`` continues exactly where
  row ``b`` of chunk ``k`` ended and the recurrent state can be carried (detached) across chunks.
* `TextClassificationDataset` yields ``(ids (T,), label)`` items for `pad_collate`.
"""

from __future__ import annotations

import bz2
import codecs
import functools
import gzip
import io
import itertools
import json
import lzma
import numbers
import os
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..checks import check_aligned, check_flags, closest_name, int_meant, is_count, missing_file, stand_in
from .collate import refuse_frame, refuse_keyed
from .memmap import write_json

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
LEVELS = ("char", "word", "token")
_SPECIAL_WORDS = "|".join(map(re.escape, SPECIALS))
"""The specials as words of a text, read whole: WikiText-2's and Penn Treebank's own unknown-word marker ``<unk>``
(54k of WikiText-2's training words) would otherwise be the three words ``<``, ``unk``, ``>``."""


@functools.cache
def _word_pattern() -> re.Pattern:
    """Words with their combining marks, and single punctuation marks. Python's ``\\w`` holds no combining mark
    (Unicode category M): a vowel sign or virama of Hindi, Arabic's and Hebrew's vowel points, the dot of
    ``'İ'.lower()`` would otherwise cut a word into pieces (``'नमस्ते'`` into four); a word takes the marks that
    follow its letters. The marks lie in planes 0, 1 and 14 (scanned once, ~20 ms)."""
    marks = [c for c in itertools.chain(range(0x20000), range(0xE0000, 0xE1000))
             if unicodedata.category(chr(c))[0] == "M"]
    spans, start = [], marks[0]
    for a, b in itertools.pairwise([*marks, -1]):
        if b != a + 1:
            spans.append(f"{re.escape(chr(start))}-{re.escape(chr(a))}")
            start = b
    # the marks tested at a word's end only: ~25% slower than _WORD on ASCII text (a class of 300 ranges per letter
    # was twice as slow)
    marks = "".join(spans)
    # ZWNJ and ZWJ join as marks do (Persian's and Hindi's words hold them); a symbol keeps its marks, skin tones and
    # ZWJ sequences, so that an emoji (👍🏽, 👨‍👩‍👧) is one token
    return re.compile(rf"{_SPECIAL_WORDS}|\w+(?:[{marks}\u200c\u200d]+\w*)*"
                      rf"|[^\w\s](?:[{marks}\U0001f3fb-\U0001f3ff]|\u200d[^\w\s])*")


_INVISIBLE = {0xAD: None, 0x2060: None, 0x200E: None, 0x200F: None, **dict.fromkeys(range(0x202A, 0x202F)),
              **dict.fromkeys(range(0x2066, 0x206A)), 0xFE0E: None, 0xFE0F: None, 0x200B: " ",
              **{c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)},
              **{c: chr(c - 0xFEE0) for a, b in ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B))
                 for c in range(a, b)}}
"""Characters that print as nothing, read by words: the soft hyphen (U+00AD, a hyphenation point of web text and
PDFs), the word joiner, the marks of writing direction, and the selectors of an emoji's text or colour form (a phone
writes ``'❤️'``, another source ``'❤'``: one emoji) go, leaving the word whole, and the Latin ligatures of
typeset text (``'ﬁ'``, ``'ﬂ'``: a PDF's extracted words) are their letters, as are the fullwidth Latin letters and
digits of East Asian text (``'ＰＣ'``, ``'２０２４'``: an IME's forms of ``'PC'``, ``'2024'``, which NFKC reads as
them; fullwidth punctuation, Chinese's ``'，'``, stays); the zero-width space (U+200B)
is the word boundary it marks (Thai's, Khmer's, a long URL's break point). Each would otherwise be a token of its own
that cuts the word around it in two (``'hyphenation'`` with a soft hyphen into ``'hyphen'``, it, ``'ation'``): never the
word typed at predict time."""


_FILE_STARTS = re.compile("(\r\n|\n|\r)\ufeff+")
"""Byte-order marks at a line's start: the first character of each file of a text joined from files read with them."""

_WORD = re.compile(rf"{_SPECIAL_WORDS}|\w+|[^\w\s]")
"""Words and single punctuation marks of ASCII text, which holds no combining mark."""


def read_text(path: str | os.PathLike, *, encoding: str = "utf-8") -> str:
    """Read a whole text file; raise ValueError if it is missing or empty (or only whitespace).

    Line ends are read as ``\\n`` (universal newlines); a byte-order mark is not text and is dropped at the start of
    the file, in any encoding (``utf-16-le``, as Notepad names the encoding it writes with one, decodes it as a
    character), and a UTF-8 one at the start of any line (files joined with ``cat``). A file that starts with UTF-32's
    byte-order mark is refused in another encoding. NUL characters are refused (UTF-16 read as another encoding, or
    a binary file), naming the encoding to pass; so are UTF-8 text read in another encoding (``'é'`` would be
    ``'Ã©'``), UTF-8 text with a stray part in another encoding (by line), and latin-1 text holding Windows-1252's
    quotes (C1 control characters).
    """
    if not Path(path).is_file():
        raise ValueError(missing_file(path, "expected a text file"))
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):  # else Python's LookupError, which names neither the file nor a fix
        raise ValueError(f"read_text: {encoding!r} is not an encoding Python knows; pass the file's encoding by a "
                         "name such as 'utf-8', 'latin-1', 'cp1252' or 'utf-16'") from None
    raw = Path(path).read_bytes()  # read once: the checks and the decoding below all work on these bytes
    _refuse_archive(path, raw)
    if instead := stand_in(path, text=True, head=raw):  # else its three lines would be read as the corpus
        raise ValueError(f"read_text: {path} {instead}")
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    # UTF-32 read as UTF-16 (or latin-1) decodes its NULs as characters, which were named UTF-16 without a byte-order
    # mark, with utf-16-be as the fix: a fix that garbles (UTF-8's decoding error names UTF-32 itself)
    if raw[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE) and not utf8 and not codecs.lookup(
            encoding).name.startswith("utf-32"):
        raise ValueError(f"{path} starts with the byte-order mark of UTF-32, so it is UTF-32 text, not {encoding}; "
                         "pass encoding='utf-32'")
    if not utf8:
        _refuse_utf8_as(path, raw, encoding)
    try:
        # UTF-8 decoded as such (not as utf-8-sig, which would count error offsets from after a byte-order mark)
        text = raw.decode("utf-8" if utf8 else encoding)
    except UnicodeError as e:  # the UTF-16 and UTF-32 decoders raise a bare UnicodeError for a missing BOM
        if not isinstance(e, UnicodeDecodeError):
            raise ValueError(f"{path}: not {encoding} text ({e}); pass the file's encoding, e.g. read_text(path, "
                             f"encoding={_guess_encoding(raw)[0]!r})") from None
        if utf8 and (mixed := _utf8_letter(raw.removeprefix(codecs.BOM_UTF8))):  # latin-1 would garble the UTF-8 ones
            raise ValueError(f"{path}, line {_line_at(raw, e.start)}: byte {raw[e.start]:#x} is not UTF-8, but the "
                             f"file's other letters beyond ASCII are ({mixed!r}, which latin-1 would read as "
                             f"{mixed.encode().decode('latin-1')!r}): it mixes two encodings (parts saved apart, then "
                             f"joined), and no one encoding reads it all; convert that part to UTF-8 (e.g. iconv -f "
                             f"cp1252 -t utf-8) and read the file again") from None
        guess, why = _guess_encoding(raw)
        raise ValueError(f"{path}: not {'utf-8' if utf8 else encoding} text (byte {raw[e.start]:#x} at byte offset "
                         f"{e.start}{why}); pass the file's encoding, e.g. read_text(path, encoding={guess!r})"
                         ) from None
    # the byte-order mark that utf-8-sig drops, and that utf-16-le / -be (as Notepad names the encoding it writes
    # with one) and utf-32-le / -be keep as a character
    text = text.removeprefix("\ufeff")
    if "\r" in text:  # universal newlines, as open() in text mode reads (no copy of a file without CR)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValueError(f"{path} is empty; a text corpus needs at least one non-blank character")
    if "\x00" in text:  # no text file holds NUL; each would be a character of the vocabulary
        _refuse_nul(path, text, "utf-8" if utf8 else encoding)
    if codecs.lookup(encoding).name == "iso8859-1" and (c1 := re.search("[\x80-\x9f]", text)):
        line = text.count("\n", 0, c1.start()) + 1  # C1 controls are in no text: Windows-1252's quotes and dashes
        raise ValueError(f"{path}, line {line}: read as latin-1 it holds the control character "
                         f"U+{ord(c1.group()):04X}, which no text holds: bytes 0x80-0x9f are Windows-1252's curly "
                         "quotes, dashes and euro sign; pass encoding='cp1252'")
    # a byte-order mark at the start of a later line is that of a file joined on (cat a.txt b.txt), not a character
    return text.replace("\n\ufeff", "\n")


def _line_at(raw: bytes, offset: int) -> int:
    """The line (from 1) of byte ``offset`` of ``raw``, with line ends as universal newlines read them (``\\r\\n``,
    ``\\r`` or ``\\n``): a file of old Mac line ends (``\\r`` alone) is one line to ``count(b"\\n")``."""
    return len(re.findall(rb"\r\n|\r|\n", raw[:offset])) + 1


def _refuse_archive(path, raw: bytes) -> None:
    """ValueError for a zip or tar archive, or a gzip, bzip2 or xz file, given as text: decoded in a one-byte
    encoding its bytes would pass for characters (named only as NUL characters), and its bytes beyond ASCII would be
    taken for text in another encoding, whatever ``encoding`` was passed."""
    name = os.path.basename(path)
    if raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            inside = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except (zipfile.BadZipFile, OSError):
            inside = []
        held = f" (it holds {inside[:3]}{' ...' if len(inside) > 3 else ''})" if inside else ""
        raise ValueError(f"{path} is a zip archive{held}, not text; unzip it (unzip {name}) and read the file "
                         "inside, or read it from the archive: zipfile.ZipFile(path).read(name).decode('utf-8')")
    if raw[257:262] == b"ustar" and b"\x00" in raw[:257]:  # a tar header: its name field padded with NUL
        raise ValueError(f"{path} is a tar archive, not text; extract it (tar xf {name}) and read the files inside")
    found = next((entry for m, entry in COMPRESSIONS.items() if raw.startswith(m)), None)
    if found is None or found[0] == "bzip2" and not re.match(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)", raw):
        return  # 'BZh' alone may begin a text
    kind, tool, module = found
    try:
        with module.open(io.BytesIO(raw)) as f:
            head = f.read(262)
    except DAMAGED_STREAM:
        head = b""
    if head[257:262] == b"ustar" and b"\x00" in head[:257]:
        raise ValueError(f"{path} is a tar archive compressed with {kind}, not text; extract it (tar xf {name}) and "
                         "read the files inside")
    raise ValueError(f"{path} is {kind}-compressed, not text; decompress it ({tool}) or read it with "
                     f"{module.__name__}.open(path, 'rt', encoding='utf-8').read()")


def _refuse_utf8_as(path, raw: bytes, encoding: str) -> None:
    """ValueError for a file that is UTF-8 (beyond ASCII, or with no UTF-16 or UTF-32 byte order or NUL) read in
    another encoding: a one-byte encoding reads each of its accented letters as two ('é' as 'Ã©'), and UTF-16 reads
    each pair of bytes as one CJK character, without an error."""
    name = codecs.lookup(encoding).name
    wide = name.startswith(("utf-16", "utf-32"))
    if name.startswith("utf-8") or not (wide or not raw.isascii()) or b"\x00" in raw:
        return
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    mostly = ""
    try:
        wider = next((c for c in raw.decode("utf-8-sig") if ord(c) > 127), None)
    except UnicodeDecodeError:  # not all UTF-8; mostly UTF-8 (a stray part in another encoding) is refused too
        if wide or (wider := _utf8_letter(raw)) is None:
            return
        mostly = "mostly "
    seen = f" (it holds {wider!r}, which {encoding} would read as {wider.encode().decode(encoding, 'replace')!r})" \
        if wider and not wide else ""
    fix = ("read it as UTF-8, read_text(path), which names the line in another encoding to convert" if mostly else
           "read it as UTF-8: read_text(path), or pass encoding='utf-8'")
    raise ValueError(f"{path} is {mostly}UTF-8 text{seen}, not {encoding}; {fix}")


def _refuse_nul(path, text: str, encoding: str) -> None:
    """ValueError for text holding NUL characters: UTF-16 read as a one-byte encoding (a NUL beside every ASCII
    letter, the byte order told by which side), else a binary file or stray NULs."""
    nul = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 0
    first, count = int(np.argmax(nul)), int(nul.sum())
    odd, even = nul[1::2].mean() if len(nul) > 1 else 0.0, nul[0::2].mean()
    if max(odd, even) > 0.5:  # 'h\x00e\x00': ASCII text in UTF-16 without its byte-order mark
        order = "le" if odd > even else "be"
        raise ValueError(f"{path}: every other character is NUL ({count} of {len(nul)}): this is UTF-16 text without "
                         f"a byte-order mark, not {encoding}; pass the file's encoding, e.g. read_text(path, "
                         f"encoding='utf-16-{order}')")
    raise ValueError(f"{path} holds {count} NUL character(s) (the first at character {first}), which no text file "
                     "holds: a binary file, or text in another encoding (UTF-16, UTF-32: pass encoding=...)? If they "
                     "are stray, remove them from the file first (e.g. tr -d '\\000' < in.txt > out.txt)")


COMPRESSIONS = {b"\x1f\x8b": ("gzip", "gzip -d", gzip), b"BZh": ("bzip2", "bunzip2", bz2),
                b"\xfd7zXZ\x00": ("xz", "unxz", lzma)}
"""Magic bytes of compressed files -> (kind, the command that decompresses it, the stdlib module that reads it)."""


def compression(path: str | os.PathLike) -> tuple[str, str, object] | None:
    """The :data:`COMPRESSIONS` entry of the file at ``path`` by its first bytes (its name is not trusted), or
    None for a file that is not gzip, bzip2 or xz."""
    with open(path, "rb") as f:
        magic = f.read(6)
    return next((entry for m, entry in COMPRESSIONS.items() if magic.startswith(m)), None)


def open_decompressed(path: str | os.PathLike, mode: str = "rb", **kwargs):
    """``open(path, mode)``, through gzip, bz2 or lzma when the file is compressed (:func:`compression`)."""
    found = compression(path)
    return open(path, mode, **kwargs) if found is None else found[2].open(path, mode, **kwargs)


DAMAGED_STREAM = (EOFError, OSError, zlib.error, lzma.LZMAError)
"""What reading a compressed file cut short or damaged raises (gzip, bz2, lzma)."""


def damaged_stream(path: str | os.PathLike, error: Exception, where: str = "") -> ValueError | None:
    """The one-line error for ``error`` raised while reading ``path``, when the file is compressed (else None: the
    error is another one, to raise as it is)."""
    found = compression(path)
    if found is None:
        return None
    return ValueError(f"{path}: the {found[0]} stream is corrupt or cut short{where} ({error}); the file is damaged "
                      f"(an interrupted download or copy?): fetch it again (check it with {found[1].split()[0]} -t)")


def _utf8_letter(raw: bytes) -> str | None:
    """The first letter beyond ASCII that ``raw`` holds as UTF-8, where most of its bytes beyond ASCII are such
    letters (a lead byte and continuation bytes that decode), else None. In a file that is not all UTF-8 this tells
    UTF-8 text with a stray part in another encoding from text all in that encoding, where such pairs (``'ß»'``)
    are few."""
    letters = []
    for m in re.finditer(rb"[\xc2-\xf4][\x80-\xbf]{1,3}", raw):
        try:
            letters.append((m.group().decode("utf-8"), len(m.group())))
        except UnicodeDecodeError:
            continue
    high = len(raw) - len(raw.translate(None, bytes(range(128, 256))))
    return letters[0][0] if letters and sum(n for _, n in letters) >= 0.5 * high else None


def _guess_encoding(raw: bytes) -> tuple[str, str]:
    """``(encoding, why)`` to suggest for bytes that did not decode: UTF-32 or UTF-16 by its byte-order mark; UTF-8
    for bytes that are UTF-8 (read in another encoding); UTF-16 by a 0 in every other byte where it has no mark;
    Windows-1252 when
    bytes 0x80-0x9f occur (its curly quotes, dashes and euro sign, which latin-1 reads as control characters);
    else latin-1."""
    if raw[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):  # before UTF-16's, which begins UTF-32-LE's
        return "utf-32", "; it starts with the byte-order mark of UTF-32"
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16", "; it starts with the byte-order mark of UTF-16"
    try:
        raw.decode("utf-8")
        return "utf-8", "; it is valid UTF-8"
    except UnicodeDecodeError:
        pass
    head = np.frombuffer(raw[: len(raw[:65536]) // 2 * 2], dtype=np.uint8)
    odd, even = ((head[i::2] == 0).mean() if len(head) else 0.0 for i in (1, 0))
    if max(odd, even) > 0.5:  # 'c\x00a\x00f\x00\xe9\x00': UTF-16 without its byte-order mark (latin-1 would keep NULs)
        order = "le" if odd > even else "be"
        return f"utf-16-{order}", "; every other byte is 0, as in UTF-16 text without a byte-order mark"
    c1 = re.search(rb"[\x80-\x9f]", raw)
    if c1:
        return "cp1252", (f"; bytes 0x80-0x9f such as {raw[c1.start()]:#x} are Windows-1252's curly quotes, dashes "
                          "and euro sign, which latin-1 would read as control characters")
    return "latin-1", ""


class Vocab:
    """A token <-> id map with ``<pad>``=0, ``<unk>``=1, ``<bos>``=2, ``<eos>``=3.

    Build one with `Vocab.build`; the constructor takes the full ordered token list (specials first).

    Args:
        tokens: all tokens, ``tokens[i]`` has id ``i``; must start with ``SPECIALS`` and be unique.
        level: ``"char"``, ``"word"`` or ``"token"``; decides how `tokenize` splits a string (words: ``\\w+`` runs,
            single punctuation marks, and the specials whole: a text's own ``<unk>`` markers read as ``<unk>``).
        lower: lowercase strings before tokenizing, and the tokens of token lists (specials kept).
    """

    pad_id, unk_id, bos_id, eos_id = 0, 1, 2, 3

    def __init__(self, tokens: Sequence[str], *, level: str = "char", lower: bool = False):
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        check_flags(lower=lower)  # "no" would be truthy: every text lowercased
        if isinstance(tokens, str | bytes):  # its characters would be the tokens, and it starts with no special
            raise ValueError(f"tokens is one string ({tokens[:30]!r}); give the list of tokens (a vocabulary file's "
                             "lines: read_text(path).splitlines())")
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(_specials_first(list(tokens)))
        self.itos = list(tokens)
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            dup = [t for t, c in Counter(self.itos).items() if c > 1]
            raise ValueError(f"vocabulary tokens must be unique; duplicated: {dup[:5]}")
        _refuse_unreachable(self.itos, level, lower)
        _warn_other_forms(self.itos, level)
        self.level = level
        self.lower = lower

    @classmethod
    def build(
        cls,
        corpus: Iterable[str | Sequence[str]],
        *,
        level: str = "char",
        lower: bool = False,
        min_freq: int = 1,
        max_size: int | None = None,
    ) -> Vocab:
        """Count tokens over ``corpus`` (strings, or token lists for ``level="token"``) and keep the frequent.

        Args:
            min_freq: tokens seen fewer times become ``<unk>``.
            max_size: total size including the 4 specials; the most frequent tokens are kept.

        A ``min_freq`` that keeps no token of a corpus that has some is refused (every token would be ``<unk>``), and
        so is a ``max_size`` of the specials alone.
        """
        if max_size is not None and not is_count(max_size, len(SPECIALS)):
            whole = int_meant(max_size, len(SPECIALS), text=None, floats=float)
            fix = (f"; pass max_size={whole}" if whole is not None else
                   "; for no limit pass max_size=None (the default)" if max_size in (0, -1) else "")
            raise ValueError(f"Vocab.build: max_size counts the {len(SPECIALS)} special tokens, so it must be an "
                             f"integer >= {len(SPECIALS)}, got {max_size!r}{fix}")
        if not is_count(min_freq):
            raise ValueError(f"min_freq must be an integer >= 1 (tokens seen fewer times become {UNK}), got "
                             f"{min_freq!r}")
        if isinstance(corpus, str | bytes):  # iterating it would make every character a text of its own
            raise ValueError("corpus is one string; Vocab.build takes an iterable of texts: pass [text]")
        refuse_keyed(corpus, "Vocab.build: corpus", "texts", "corpus")
        vocab = cls(SPECIALS, level=level, lower=lower)
        counts: Counter[str] = Counter()
        markers: Counter[str] = Counter()
        markup: Counter[str] = Counter()  # HTML tags and entities, and the number of texts holding any
        marked_texts = 0
        returns: Counter[int] = Counter()  # char level: text -> its '\r's, for the texts holding any
        garbled: list[tuple[int, str, str, str]] = []  # (text, as written, as UTF-8, read as)
        n_texts = 0
        for i, item in enumerate(corpus):
            n_texts += 1
            if isinstance(item, str) and "\x00" in item:  # no text holds one: a binary file's bytes read as lines
                raise ValueError(f"text {i} of the corpus {_holds_nul(item)}")
            try:
                counts.update(vocab.tokenize(item))
            except ValueError as e:
                raise ValueError(f"text {i} of the corpus: {e}") from None
            if level == "word" and isinstance(item, str):
                markers.update(_marker_spellings(item, lower))
                if found := _html_markup(item):
                    markup.update(found)
                    marked_texts += 1
            if level == "char" and isinstance(item, str) and "\r" in item:
                returns[i] = item.count("\r")
            if isinstance(item, str) and not item.isascii() and len(garbled) < 2 and (pair := _utf8_as_one_byte(item)):
                garbled.append((i, *pair))
        for s in SPECIALS:
            counts.pop(s, None)
        if not counts:  # built (a vocabulary of the specials alone is one), but every text would encode to <unk>
            kind = "" if level == "token" else f"{level} "  # not "token token"
            warnings.warn(f"Vocab.build: the corpus holds no {kind}token ({n_texts} text(s)"
                          f"{', all empty' if n_texts else ''}), so the vocabulary holds the {len(SPECIALS)} specials "
                          f"alone and every text encodes to {UNK}; build it from the training texts (a file read "
                          "empty, or a list consumed by an earlier loop?)", UserWarning, stacklevel=2)
        _check_one_kind(counts)
        if garbled:
            _warn_utf8_as_one_byte(garbled)
        if returns:
            _warn_carriage_returns(returns, n_texts)
        if level == "word":
            _warn_unspaced_words(counts)
            _warn_other_markers(markers)
            _warn_html_markup(markup, marked_texts, n_texts)
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if counts and not kept:  # every token would be <unk>: a model of nothing, trained without a word said
            (top, n), = counts.most_common(1)
            raise ValueError(f"min_freq={min_freq} leaves no token in the vocabulary: the most frequent of the "
                             f"corpus's {len(counts)} {level} tokens, {top!r}, is seen {n} time(s), so every token "
                             f"would be {UNK}; pass min_freq <= {n}, or build it from more text")
        if max_size is not None:
            if kept and max_size == len(SPECIALS):  # the specials alone: every token would be <unk>, as above
                raise ValueError(f"Vocab.build: max_size={max_size} holds the {len(SPECIALS)} special tokens "
                                 f"{list(SPECIALS)} alone, so every one of the corpus's {len(kept)} {level} tokens "
                                 f"would be {UNK}; max_size counts the specials: for the {len(kept)} tokens pass "
                                 f"max_size={len(kept) + len(SPECIALS)} (or None), for the k most frequent "
                                 f"max_size=k + {len(SPECIALS)}")
            kept = kept[: max_size - len(SPECIALS)]
        return cls([*SPECIALS, *kept], level=level, lower=lower)

    def tokenize(self, text: str | Sequence[str]) -> list[str]:
        """Split a string by the vocabulary's level, a leading byte-order mark (U+FEFF) dropped as Python's
        ``utf-8-sig`` drops it and the text put in Unicode's composed form (NFC: ``'e'`` and a combining accent
        read as the one letter ``'é'``); token sequences pass through (their text tokens put in NFC, lowercased
        when ``lower``, and at word level read in their plain forms, ``'ＰＣ'`` as ``'PC'``, as strings are; a
        char-level vocabulary refuses tokens of several characters, which it cannot hold)."""
        if not isinstance(text, str):
            if text is None or isinstance(text, float | np.floating) and np.isnan(text) or \
                    type(text).__name__ == "NAType":  # pandas' NaN, None or pd.NA of a column's empty cell
                raise ValueError(f"a text must be a string or a sequence of tokens, got {type(text).__name__} ({text}: "
                                 "a missing value, an empty cell as pandas reads one); drop or fill missing texts: "
                                 "df.dropna(subset=[column]) drops those rows, df[column].fillna('') makes them empty")
            if not isinstance(text, Iterable) or isinstance(text, bytes):
                raise ValueError(f"a text must be a string or a sequence of tokens, got {type(text).__name__}" + (
                    f" ({bytes(text[:30])!r}): decode it first, text.decode('utf-8') ([t.decode('utf-8') for t in "
                    "texts]: TensorFlow's datasets and HDF5 files give text as bytes)" if isinstance(text, bytes)
                    else ""))
            tokens = _plain_tokens(text)
            # one spelling of an accented token, as for a string: 'café' typed with a combining accent would be
            # another token beside the composed one, each printing alike (a vocabulary's own token is kept as is)
            tokens = [unicodedata.normalize("NFC", t) if isinstance(t, str) and t not in self.stoi
                      and not unicodedata.is_normalized("NFC", t) else t for t in tokens]
            if self.lower:  # as for a string: 'Hello' would not be the vocabulary's 'hello', but <unk>
                tokens = [t.lower() if isinstance(t, str) and t not in self.stoi else t for t in tokens]
            if self.level == "word":  # as for a string: 'ＰＣ' reads as 'PC', a ligature as its letters
                tokens = [t.translate(_INVISIBLE) if isinstance(t, str) and not t.isascii() and t not in self.stoi
                          else t for t in tokens]
            if self.level == "word":  # no word holds a space: a text given as a token would be one <unk>
                text = next((t for t in tokens if isinstance(t, str) and len(t.split()) > 1 and t not in self.stoi),
                            None)
                if text is not None:
                    shown = repr(text if len(text) <= 40 else text[:40] + "...")
                    raise ValueError(f"a level='word' vocabulary reads words, but this token list holds {shown} "
                                     f"({len(text.split())} words with spaces), which it can never hold (a list of "
                                     "texts, or a text inside a list?); give each text as a string by itself "
                                     "(Vocab.build(texts), [vocab.encode(t) for t in texts]), or split it into words "
                                     "first")
            if self.level == "char":  # a char vocabulary holds no word: every one would become <unk>, silently
                word = next((t for t in tokens if isinstance(t, str) and len(t) > 1 and t not in self.stoi), None)
                if word is not None:
                    raise ValueError(f"a level='char' vocabulary reads single characters, but this token list holds "
                                     f"{word!r} ({len(word)} characters), which it can never hold; pass the text as "
                                     "one string, or use a vocabulary of whole tokens: Vocab.build(token_lists, "
                                     "level='token') (event_vocab(df) for an event log)")
            return tokens
        if self.level == "token":
            raise ValueError("a level='token' vocabulary needs token lists, not a string; split it first")
        # a UTF-8 byte-order mark read as text (open(path, encoding="utf-8") keeps it; "utf-8-sig" and
        # read_text drop it) is no character of the text: it would be a token of its own, or <unk>
        text = text.removeprefix("\ufeff")
        if "\ufeff" in text:  # files read with their BOMs and joined ("".join(p.read_text() for p in paths)): a
            # mark of each file's start, at a line's start, no character (inside a line it is a zero-width space)
            text = _FILE_STARTS.sub(r"\1", text)
        # one spelling of each accented letter: 'é' typed as one code point (NFC, most text) or as 'e' and a
        # combining accent (NFD: macOS file names, some PDFs and keyboards) would otherwise be other tokens
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if self.lower:
            text = text.lower()
        if self.level == "word" and not text.isascii():
            text = text.translate(_INVISIBLE)
        return list(text) if self.level == "char" else (_WORD if text.isascii() else _word_pattern()).findall(text)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(
        self, text: str | Sequence[str], *, strict: bool = False, bos: bool = False, eos: bool = False
    ) -> torch.Tensor:
        """Token ids ``(T,)`` int64 of a string or token list.

        Unknown tokens map to ``<unk>``; with ``strict=True`` they raise ValueError listing them and their
        positions (use it at predict time, when an unknown token means a mismatched vocabulary). A NUL character in
        a string is refused, naming its position, as `build` and `read_text` refuse it (no text holds one: it
        comes from a binary file or UTF-16 read as UTF-8), unless the vocabulary holds it as a token.
        """
        check_flags(strict=strict, bos=bos, eos=eos)  # "no" would be truthy: <bos> added, strict mode on
        if isinstance(text, str) and "\x00" in text and "\x00" not in self.stoi:  # else <unk> without a word
            raise ValueError(f"Vocab.encode: the text {_holds_nul(text)}")
        tokens = self.tokenize(text)
        if not isinstance(text, str):
            _refuse_ids_as_tokens(tokens, self)
        ids = [self.stoi.get(t, self.unk_id) for t in tokens]
        if strict:
            unknown = [(i, t) for i, t in enumerate(tokens) if t not in self.stoi]
            if unknown:
                shown = ", ".join(f"{t!r} at position {i}" for i, t in unknown[:5])
                more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
                cased = [t for _, t in unknown if isinstance(t, str) and not self.lower and t.lower() in self.stoi]
                hint = (f" ({len(cased)} of them, {cased[0]!r} the first, only for their capitals: the vocabulary "
                        f"holds {cased[0].lower()!r}; a lower-case vocabulary needs lower=True, or texts lowered "
                        "first)" if cased else "")
                raise ValueError(
                    f"{len(unknown)} token(s) are not in the vocabulary ({len(self)} {self.level} tokens): "
                    f"{shown}{more}{hint}. Use the vocabulary the model was trained with, encode with "
                    f"strict=False to map them to {UNK}, or rebuild it from data that contains them"
                )
        if bos:
            ids.insert(0, self.bos_id)
        if eos:
            ids.append(self.eos_id)
        return torch.tensor(ids, dtype=torch.int64)

    def decode(self, ids: Iterable[int] | torch.Tensor, *, skip_specials: bool = True) -> list[str]:
        """Tokens of ``ids``; ``<pad>``, ``<bos>``, ``<eos>`` dropped if ``skip_specials``, ``<unk>`` kept."""
        shape = tuple(ids.shape) if isinstance(ids, torch.Tensor | np.ndarray) else None
        ids = ids.tolist() if isinstance(ids, torch.Tensor | np.ndarray) else list(ids)
        if shape and len(shape) > 1 or ids and isinstance(ids[0], list | tuple):  # else "id [12, 37, ...]"
            got = f"shape {shape}" if shape else f"a list of {len(ids)} lists"
            raise ValueError(f"decode takes the ids of one sequence (T,), got {got} (a batch?); decode each row: "
                             "[vocab.decode_text(row) for row in ids]")
        floats = [i for i in ids if isinstance(i, float | np.floating)]
        if floats:  # argmax(...).float(), or ids through a float array: ids are integers
            raise ValueError(f"decode takes integer ids, got the float {floats[0]!r}"
                             + (" (ids.long() if they are whole numbers)" if float(floats[0]).is_integer() else ""))
        bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, int | np.integer) or not
               0 <= i < len(self)]
        if bad:  # a negative id would index from the end of the vocabulary
            raise ValueError(f"id {bad[0]!r} is not in this vocabulary (ids 0..{len(self) - 1}); decode ids made "
                             f"by the same vocabulary")
        drop = {self.pad_id, self.bos_id, self.eos_id} if skip_specials else set()
        return [self.itos[i] for i in ids if i not in drop]

    def decode_text(self, ids: Iterable[int] | torch.Tensor) -> str:
        """Decoded tokens joined: no separator for chars, one space for words and tokens."""
        return ("" if self.level == "char" else " ").join(self.decode(ids))

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as JSON (temporary file + ``os.replace``)."""
        write_json(path, {"format": "rnnkit.vocab", "version": 1, "level": self.level, "lower": self.lower,
                          "tokens": self.itos})

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        """Read a vocabulary written by `save`."""
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: cannot read a vocabulary ({e}); expected a JSON file written by "
                             f"Vocab.save") from e
        if not raw.strip():
            raise ValueError(f"{path} is empty; expected a vocabulary JSON written by Vocab.save")
        try:
            d = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not JSON ({e}); expected a vocabulary written by Vocab.save"
                             + _other_vocab_file(raw, json_text=False)) from None
        if not isinstance(d, dict) or d.get("format") != "rnnkit.vocab":
            raise ValueError(f"{path} is not an rnnkit vocabulary (no 'format': 'rnnkit.vocab'); "
                             "write it with Vocab.save" + _other_vocab_file(d, json_text=True))
        missing = [k for k in ("tokens", "level", "lower") if k not in d]
        if missing:
            raise ValueError(f"{path}: corrupt rnnkit vocabulary (no {missing}); write it again with Vocab.save")
        # JSON writes tuple tokens ((event, status) pairs) as lists, which are no dict key: read them back as tuples
        tokens = [_as_tuple(t) for t in d["tokens"]] if isinstance(d["tokens"], list) else d["tokens"]
        return cls(tokens, level=d["level"], lower=d["lower"])

    def __repr__(self) -> str:
        return f"Vocab({len(self)} {self.level} tokens, lower={self.lower})"


def _other_vocab_file(content, *, json_text: bool) -> str:
    """What `Vocab.load` adds to its refusal of another tool's vocabulary file, naming its form and the constructor
    call that reads it: a plain token list (one per line: BERT's ``vocab.txt``, a word list; or a token and its count
    or score per line), a JSON list of tokens, or a JSON map of token to id (Hugging Face's ``vocab.json``, Keras'
    ``word_index``)."""
    def make(tokens: str) -> str:
        return (f"Vocab([*SPECIALS, *{tokens}], level='word') (SPECIALS from rnnkit.data.text; ids 0-3 are the "
                "specials', so each token's id is its place + 4: a model trained on the file's own ids reads others), "
                "then vocab.save(path) for Vocab.load")
    if not json_text:
        lines = [line for line in content.splitlines() if line.strip()]
        if len(lines) < 2:
            return ""
        if all(len(line.split()) == 1 for line in lines[:100]):
            return (f"; it holds {len(lines)} lines of one token each: a plain vocabulary file (BERT's vocab.txt, a "
                    f"word list)? read its tokens, tokens = read_text(path).splitlines(), and build {make('tokens')}")
        if all(_COUNT_FIELDS.fullmatch(line.strip()) for line in lines[:100]):
            return (f"; it holds {len(lines)} lines of a token and numbers (counts, scores or vectors: word2vec's "
                    "-save-vocab, sentencepiece's .vocab, GloVe): read the first field of each, tokens = "
                    f"[line.split()[0] for line in read_text(path).splitlines()], and build {make('tokens')}")
        return ""
    if isinstance(content, list) and content and all(isinstance(t, str) for t in content):
        return f"; it is a JSON list of {len(content)} tokens: tokens = json.load(f); build {make('tokens')}"
    model = content.get("model") if isinstance(content, dict) else None
    if isinstance(model, dict) and isinstance(model.get("vocab"), dict | list):  # Hugging Face's tokenizer.json
        return (f"; it is a Hugging Face tokenizer.json (a {model.get('type', 'subword')} model of "
                f"{len(model['vocab'])} tokens): pieces of words ('##ing'), which a Vocab of words or characters "
                "never meets in a text; build a Vocab from the training texts (Vocab.build(texts)), or encode them "
                "with that tokenizer (tokenizers.Tokenizer.from_file(path))")
    if isinstance(content, dict) and content and all(isinstance(v, int) for v in content.values()):
        return (f"; it is a JSON map of {len(content)} tokens to ids (Hugging Face's vocab.json, Keras' word_index): "
                f"tokens = sorted(d, key=d.get) puts them in the order of their ids; build {make('tokens')}")
    return ""


def _specials_first(tokens: list) -> str:
    """The error of a token list that does not start with `SPECIALS` (a vocabulary file's lines given as they are):
    ids 0-3 are the specials' (0 is the padding `pad_collate` writes), so a file's own tokens go after them."""
    head = f"a vocabulary must start with {SPECIALS} (ids 0-3), got {tokens[:4]}"
    own = [t for t in tokens if isinstance(t, str) and _OTHER_MARKERS.fullmatch(t)]
    if set(SPECIALS) <= set(tokens):
        return (f"{head}: the specials are there but at other ids; put them first, in this order (ids 0-3 are fixed: 0 "
                f"is the padding pad_collate writes): Vocab([*SPECIALS, *(t for t in tokens if t not in SPECIALS)], "
                "...), with SPECIALS from rnnkit.data.text")
    theirs = (f"; the file's own markers {own[:4]} would be tokens of their own beside them: drop them, or map them "
              "to the specials in the texts") if own else ""
    return (f"{head}; put the specials before the tokens of a vocabulary file: Vocab([*SPECIALS, *tokens], ...), "
            f"with SPECIALS from rnnkit.data.text{theirs}")


_COUNT_FIELDS = re.compile(r"\S+(?:\s+[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)+")
"""A vocabulary file's line of a token and numbers: word2vec's ``-save-vocab`` (``the 1061396``), sentencepiece's
``.vocab`` (``▁the\t-3.41``), GloVe's vectors (``the 0.418 0.24968 ...``)."""


def _warn_other_forms(tokens: list, level: str) -> None:
    """Warn of word tokens that `Vocab.tokenize` reads in another form from a text (fullwidth letters, a ligature, an
    invisible character, a decomposed accent: ``'ＰＣ'`` is read as ``'PC'``), so that no text encodes to them: a
    vocabulary file of another tokenizer, or one saved before `tokenize` read these forms so. `Vocab.build` makes
    none of them."""
    if level != "word":
        return
    other = [(i, t, r) for i, t in enumerate(tokens[len(SPECIALS):], start=len(SPECIALS)) if isinstance(t, str)
             and not t.isascii() and (r := unicodedata.normalize("NFC", t).translate(_INVISIBLE)) != t]
    if other:
        i, t, r = other[0]
        warnings.warn(f"Vocab: {len(other)} token(s) are spelt otherwise than texts are read (token {i}, {t!r}, "
                      f"reads as {r!r}: fullwidth letters, ligatures, invisible characters and decomposed accents "
                      "are read in their plain form), so no text encodes to them, and their words read as the plain "
                      "form's id, or <unk>; a vocabulary file of another tokenizer, or one saved by an earlier "
                      "rnnkit? rebuild it from the training texts (Vocab.build)", UserWarning, stacklevel=3)


def _refuse_unreachable(tokens: list, level: str, lower: bool) -> None:
    """Refuse string tokens of a ``char`` or ``word`` vocabulary that `Vocab.tokenize` never gives from a text, so
    that no text would ever encode to them (the word they stand for reads as ``<unk>`` everywhere): a char token of
    several characters, a word with whitespace or a byte-order mark at its ends, a word followed by numbers, a word
    with capitals under ``lower=True``. `Vocab.build` makes none of them; a vocabulary file's lines given to the
    constructor do: its first line read with a byte-order mark, lines split at ``\\n`` with CRLF's ``\\r`` left on,
    lines of counts or scores (half the tokens or more: a few may be tokens of several words, ``'Route 66'``, for token
    lists), a cased file. ``level="token"`` takes tokens as they are given, and is not judged."""
    if level == "token":
        return
    words = [(i, t) for i, t in enumerate(tokens[len(SPECIALS):], start=len(SPECIALS)) if isinstance(t, str)]
    if level == "char":
        long = [(i, t) for i, t in words if len(t) != 1]
        if long:
            i, t = long[0]
            why = (": lines of a file with their line ends kept (CRLF's '\\r' after each: split it with str."
                   "splitlines())" if len(t.rstrip("\r\n")) == 1 else "")
            raise ValueError(f"Vocab: token {i} ({t!r}) has {len(t)} characters, but a level='char' vocabulary reads "
                             f"a text one character at a time, so no text would ever encode to it ({len(long)} such "
                             f"token(s)){why}; give one character per token, or build a level='word' vocabulary "
                             "for words")
        return
    ends = [(i, t) for i, t in words if t != t.strip() or "\ufeff" in t]
    if ends:
        i, t = ends[0]
        why = ("a byte-order mark (U+FEFF) before it: the first line of a file saved with one (Notepad), read with "
               "encoding='utf-8'; read it with encoding='utf-8-sig' (read_text does)" if "\ufeff" in t else
               "'\\r' after it: lines of a CRLF (Windows) file split at '\\n' alone; split it with str.splitlines()"
               if t.endswith("\r") else "whitespace at its ends; strip each line (line.strip())")
        raise ValueError(f"Vocab: token {i} ({t!r}) holds {why}; a level='word' vocabulary splits texts into words "
                         f"without it, so no text would ever encode to it ({len(ends)} such token(s), "
                         f"{t.strip().removeprefix(chr(0xFEFF))!r} would read as <unk> everywhere)")
    counted = [(i, t) for i, t in words if (" " in t or "\t" in t) and _COUNT_FIELDS.fullmatch(t)]
    if counted and len(counted) * 2 >= len(words):  # a few ('Route 66') may be tokens of several words
        i, t = counted[0]
        raise ValueError(f"Vocab: token {i} ({t[:40]!r}) is a word followed by numbers: lines of a vocabulary file "
                         "with counts, scores or vectors (word2vec's -save-vocab, sentencepiece's .vocab, GloVe's "
                         f"vectors)? no text would ever encode to it ({len(counted)} such token(s)); take the first "
                         "field of each line: [line.split()[0] for line in lines]")
    if lower:
        cased = [(i, t) for i, t in words if t.lower() != t]
        if cased:
            i, t = cased[0]
            raise ValueError(f"Vocab: lower=True lowers every text before it is split, but token {i} ({t!r}) holds "
                             f"capitals, so no text would ever encode to it ({len(cased)} such token(s)): a cased "
                             "vocabulary file? build it with lower=False (texts keep their case), or lower its tokens "
                             "first (dict.fromkeys(t.lower() for t in tokens) drops the repeats)")


def _as_tuple(token):
    """A token read from JSON, its lists (tuples as JSON writes them) made tuples again."""
    return tuple(map(_as_tuple, token)) if isinstance(token, list) else token


_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
"""Letters of scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, Japanese kana, Chinese."""


_OTHER_MARKERS = re.compile(r"<\s*(/?)\s*(unk|oov|pad|s|bos|sos|eos|start|end)\s*>|\[(unk|pad|cls|sep|mask|bos|eos)\]",
                            re.IGNORECASE)
"""Unknown-word, padding and sentence markers as other corpora and tokenizers spell them: the One Billion Word
benchmark's ``<UNK>``, ``<S>``, ``</S>``, fairseq's ``<s>``, BERT's ``[UNK]`` and ``[PAD]``."""
_MARKER_MEANS = {"unk": UNK, "oov": UNK, "pad": PAD, "s": BOS, "bos": BOS, "sos": BOS, "start": BOS, "eos": EOS,
                 "end": EOS, "/s": EOS, "/end": EOS, "/eos": EOS, "cls": BOS, "sep": EOS}


def _marker_spellings(text: str, lower: bool) -> list[str]:
    """The markers of ``text`` that the word pattern cuts into pieces (``'<UNK>'`` into ``'<'``, ``'UNK'``, ``'>'``):
    those that are not a vocabulary's own special once ``lower`` has lowered them."""
    if "<" not in text and "[" not in text:
        return []
    return [m.group(0) for m in _OTHER_MARKERS.finditer(text)
            if (m.group(0).lower() if lower else m.group(0)) not in SPECIALS]


def _warn_other_markers(markers: Counter) -> None:
    """Warn of a corpus's own markers spelt as no special of the vocabulary: each is read as two or three ordinary
    words (``'<'``, ``'UNK'``, ``'>'``), learnt and predicted as text, where the corpus means an unknown word (or a
    sentence's start or end, or padding)."""
    if not markers:
        return
    (top, n), = markers.most_common(1)
    mapping = {m: _MARKER_MEANS.get(re.sub(r"[\s<>\[\]]", "", m).lower()) for m in markers}
    named = {m: v for m, v in mapping.items() if v is not None}
    fix = (", ".join(f"{m!r} -> {v!r}" for m, v in list(named.items())[:4]) if named else "")
    shown = ", ".join(f"{m!r} ({c} time(s))" for m, c in markers.most_common(4))
    pieces = _WORD.findall(top)
    warnings.warn(f"Vocab.build: the corpus holds the marker(s) {shown}, which are not this vocabulary's specials "
                  f"{list(SPECIALS)}, so each is read as the words {pieces} and learnt (and predicted) as text where "
                  f"the corpus means {mapping[top] or 'a tokenizer marker'}; "
                  + (f"write them as the specials first ({fix}: text.replace(...) for each text)" if named else
                     "remove them from the texts") + ", or, if they are text, silence this with "
                  "warnings.filterwarnings('ignore', '.*not this vocabulary.s specials')", UserWarning, stacklevel=3)


_HTML_MARKUP = re.compile(r"</?(?:br|p|div|span|a|b|i|u|em|strong|li|ul|ol|h[1-6]|hr|img|table|tr|td|th|font|"
                          r"blockquote|pre|code)(?:\s*/?>|\s+[a-z-]+\s*=[^<>]{0,200}>)"
                          r"|&(?:[a-z]{2,8}|#[0-9]{1,7}|#x[0-9a-f]{1,6});", re.IGNORECASE)
"""HTML tags and character entities: ``<br />`` (IMDB's line breaks, 14,665 of `load_imdb`'s 25,000 reviews),
``<p>``, ``<a href=...>``, ``&amp;``, ``&#39;``, as scraped web pages and review dumps keep them."""


def _html_markup(text: str) -> list[str]:
    """The HTML tags and entities of ``text`` as written (``'<br />'``, ``'&amp;'``); none for most texts, read by
    one test for ``'<'`` and ``'&'``."""
    if "<" not in text and "&" not in text:
        return []
    return _HTML_MARKUP.findall(text)


def _warn_html_markup(markup: Counter, marked_texts: int, n_texts: int) -> None:
    """Warn of a corpus whose texts hold HTML markup (1% of the texts or more, and one at least): the word
    pattern cuts each tag and entity into words (``'<br />'`` into ``'<'``, ``'br'``, ``'/'``, ``'>'``; ``'&#39;'``
    into ``'&'``, ``'#'``, ``'39'``, ``';'``), learnt as text, the most frequent of IMDB's words among them, and
    ``"It&#39;s"`` is another text than the ``"It's"`` typed at predict time."""
    if marked_texts < max(1, 0.01 * n_texts):
        return
    shown = ", ".join(f"{m!r} ({c} time(s))" for m, c in markup.most_common(3))
    top = markup.most_common(1)[0][0]
    warnings.warn(f"Vocab.build: {marked_texts} of the corpus's {n_texts} texts hold HTML markup ({shown}: scraped "
                  "web pages, or IMDB's reviews as load_imdb gives them?), which level='word' reads as the words "
                  f"{_WORD.findall(top)}, learnt as text, and \"It&#39;s\" as another text than the \"It's\" typed "
                  "at predict time; strip it from every text first, e.g. html.unescape(re.sub(r'<[^>]+>', ' ', "
                  "text)), or, if the markup is text to learn, silence this with "
                  "warnings.filterwarnings('ignore', '.*hold HTML markup')", UserWarning, stacklevel=3)


_ONE_BYTE_UTF8 = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                            "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac"
                            "\u2122]{1,3}")
"""A letter of UTF-8 text read as Latin-1 or Windows-1252: its lead byte (0xc2-0xf4: ``'Ã'``, ``'â'``) then one to
three continuation bytes (0x80-0xbf: Latin-1's symbols, or Windows-1252's quotes, dashes and euro sign there)."""


def _utf8_as_one_byte(text: str) -> tuple[str, str, str] | None:
    """``(as written, as UTF-8, the encoding it was read in)`` of the first letter of ``text`` that is UTF-8 read as a
    one-byte encoding (``'cafÃ©'`` for ``'café'``, ``'â€™'`` for ``'’'``: ``pd.read_csv(path, encoding='latin-1')`` of
    a UTF-8 file), else None."""
    for m in _ONE_BYTE_UTF8.finditer(text):
        for encoding in ("cp1252", "latin-1"):
            try:
                letter = m.group().encode(encoding).decode("utf-8")
            except UnicodeError:
                continue
            if len(letter) == 1:  # C1 controls are Latin-1's reading of bytes 0x80-0x9f, which Windows-1252 lacks
                return m.group(), letter, "latin-1" if re.search("[\x80-\x9f]", text) else "cp1252"
    return None


def _warn_utf8_as_one_byte(garbled: list[tuple[int, str, str, str]]) -> None:
    """Warn of a corpus whose texts hold UTF-8 letters read as Latin-1 or Windows-1252 (``'Ã©'`` for ``'é'``): each
    letter becomes two or three characters (char level), each word another word than the one written right in other
    texts and at predict time (word level), without an error."""
    i, seen, letter, encoding = garbled[0]
    warnings.warn(f"Vocab.build: text {i} holds {seen!r}, the UTF-8 letter {letter!r} read as Latin-1 or Windows-1252 "
                  "(a file read with encoding='latin-1' or 'cp1252' that is UTF-8), so each such letter is read as "
                  f"{len(seen)} characters, and each word holding one is another word than the one written right; "
                  "read the file as UTF-8 (pd.read_csv(path, encoding='utf-8'), read_text(path)), or mend the texts "
                  f"(text.encode({encoding!r}).decode('utf-8')); if the texts are meant so, silence this with "
                  "warnings.filterwarnings('ignore', '.*read as Latin-1 or Windows-1252')", UserWarning, stacklevel=3)


def _warn_carriage_returns(returns: Counter, n_texts: int) -> None:
    """Warn of a character corpus holding ``'\\r'`` (``returns``: text -> its count, for the texts holding any):
    Windows line ends (``'\\r\\n'``) kept by a reader that does not read universal newlines (``open(path,
    newline='')``, bytes decoded, a CSV cell), so each line end is two characters to learn, ``'\\r'`` a character of
    the vocabulary, and a text typed with ``'\\n'`` alone (or a corpus of both) is read otherwise."""
    warnings.warn(f"Vocab.build: {len(returns)} of the corpus's {n_texts} texts hold '\\r' ({returns.total()} in all, "
                  f"the first in text {min(returns)}): Windows line ends ('\\r\\n') kept by the reader (open(path, "
                  "newline=''), bytes decoded, a CSV cell)? level='char' learns '\\r' as a character before each "
                  "'\\n', and reads a text with '\\n' alone otherwise; read the files with read_text(path) (universal "
                  "newlines), or text.replace('\\r\\n', '\\n').replace('\\r', '\\n') for each text; if the '\\r's are "
                  "meant, silence this with warnings.filterwarnings('ignore', '.*Windows line ends')", UserWarning,
                  stacklevel=3)


def _warn_unspaced_words(counts: Counter) -> None:
    """Warn when a word-level vocabulary's words are mostly runs of a script written without spaces (Chinese,
    Japanese, Thai): words are cut at spaces and punctuation, so each run (a clause, a sentence) is one "word", and
    a text of other clauses encodes to ``<unk>`` throughout."""
    total = sum(counts.values())
    runs = {t: c for t, c in counts.items() if isinstance(t, str) and len(_UNSPACED.findall(t)) >= 4}
    if total and sum(runs.values()) >= 0.1 * total:
        longest = max(runs, key=len)
        warnings.warn(f"Vocab.build: {len(runs)} of the corpus's {len(counts)} word tokens are runs of Chinese, "
                      f"Japanese or Thai letters (e.g. {longest[:20]!r}, {len(longest)} characters), which are written "
                      "without spaces between words, so level='word' reads each clause as one word (and other texts "
                      "as <unk>); use level='char', or split the texts into words first (e.g. jieba, fugashi, "
                      "pythainlp) and build with level='token' from the token lists", UserWarning, stacklevel=3)


_MISSING_AS_TEXT = ("nan", "NaN", "None", "<NA>", "NaT")
"""What ``str()`` writes for a missing value: ``map(str, df["text"])`` (or numpy's ``astype(str)``) turns an empty cell
into the text 'nan'."""


def _warn_missing_as_text(texts) -> None:
    """Warn of texts that are a missing value written as text ('nan' from ``str(v)`` of an empty cell): each would be a
    text of its own, labelled, learnt from and scored."""
    missing = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip() in _MISSING_AS_TEXT]
    if missing:
        shown = texts[missing[0]] if isinstance(texts, list | tuple) else list(texts)[missing[0]]
        warnings.warn(f"TextClassificationDataset: {len(missing)} text(s) are {shown!r} (the first is text "
                      f"{missing[0]}), what str() writes for a missing value (an empty cell of a column made text): "
                      "each is read as a text of its own, with its label; drop the missing texts before converting "
                      "them (df.dropna(subset=[col]))", UserWarning, stacklevel=3)


def _refuse_label_field(texts, labels: torch.Tensor) -> None:
    """Refuse texts that are whole lines of a table holding the label column: a field before their first (or after
    their last) tab, comma or semicolon that goes with the label one to one (``"1\tgreat film"`` beside label 1, lines
    of a TSV file read as text). The label would be read from the input: a classifier perfect on a held-out split
    that shares the leak, and lost on real text. Needs 8 texts or more, every one holding the separator, and two
    classes or more, so a text that happens to hold a tab is not taken for a row."""
    texts = list(texts)  # a Series' own index is no position
    if len(texts) < 8 or not all(isinstance(t, str) for t in texts):
        return
    ids = labels.tolist()
    if len(set(ids)) < 2:
        return
    for sep, name in (("\t", "tab"), (",", "comma"), (";", "semicolon")):
        if not all(sep in t for t in texts):
            continue
        for first in (True, False):
            fields = [(t.split(sep, 1)[0] if first else t.rsplit(sep, 1)[1]).strip() for t in texts]
            if any(len(f) > 30 or not f for f in fields):  # a sentence, not a label's cell
                continue
            pairs = set(zip(fields, ids, strict=True))
            if len(pairs) == len({f for f, _ in pairs}) == len({y for _, y in pairs}):  # one to one
                where = f"before its first {name}" if first else f"after its last {name}"
                keep = f"line.split({sep!r}, 1)[1]" if first else f"line.rsplit({sep!r}, 1)[0]"
                raise ValueError(f"every text holds a {name}, and the field {where} goes with its label one to one "
                                 f"(text 0: {texts[0][:40]!r} has label {ids[0]}): lines of a table read whole, label "
                                 "column and all? the model would read the label from the text, perfect on a held-out "
                                 "split that shares the leak and lost on real text; give the text column alone "
                                 f"({keep} for each line, or pd.read_csv(path, sep={sep!r})['text'])")


def _warn_cased_unknowns(texts, ids: list[torch.Tensor], vocab: Vocab) -> bool:
    """Warn where a vocabulary that does not lower its texts reads capitalised tokens as ``<unk>`` whose lower case
    it holds: a lower-case vocabulary (an uncased file's tokens, or one built from lower-cased text) given cased text,
    so every sentence's first word, every name, reads as unknown. Said where such tokens are 1% of the texts' tokens
    or more; the texts holding an ``<unk>`` are the only ones tokenized again. Whether it warned."""
    if vocab.lower or vocab.level == "token":
        return False
    total = sum(len(x) for x in ids)
    cased: Counter[str] = Counter()
    for t, x in zip(texts, ids, strict=True):
        if isinstance(t, str) and bool((x == vocab.unk_id).any()):
            cased.update(w for w in vocab.tokenize(t) if w not in vocab.stoi and w.lower() in vocab.stoi)
    n = sum(cased.values())
    warned = bool(total and n >= 0.01 * total)
    if warned:
        shown = ", ".join(f"{w!r}" for w, _ in cased.most_common(3))
        warnings.warn(f"TextClassificationDataset: {n} of the texts' {total} tokens ({n / total:.0%}) are {UNK} only "
                      f"for their capitals ({shown} ...), whose lower case the vocabulary holds: a lower-case "
                      "vocabulary (an uncased vocabulary file, or one built from lower-cased text) given cased text; "
                      "build it with lower=True (Vocab(tokens, level=..., lower=True) or Vocab.build(texts, "
                      "lower=True)), or lower the texts first", UserWarning, stacklevel=3)
    return warned


def _warn_mostly_unknown(texts, ids: list[torch.Tensor], vocab: Vocab) -> None:
    """Warn where half the texts' tokens or more (of 20 or more) are ``<unk>``: a vocabulary of other texts (another
    corpus or language, a few texts built from for speed, a ``max_size`` or ``min_freq`` that kept few words), given
    these, so a model reads little but ``<unk>`` and its predictions hardly depend on the text, without an error
    (``strict=False``, the default, maps every unknown token to ``<unk>``)."""
    counts = _token_counts(ids, vocab)
    total, unknown = (int(c.sum()) for c in counts)
    if total < 20 or unknown * 2 < total:
        _warn_unknown_texts(texts, ids, vocab, counts)
        return
    seen: Counter = Counter()
    for i in np.flatnonzero(counts[1]):  # the texts holding an <unk>
        if len(seen) >= 1000:
            break
        seen.update(w for w in vocab.tokenize(texts[i]) if w not in vocab.stoi)
    shown = ", ".join(f"{w!r}" for w, _ in seen.most_common(3))
    warnings.warn(f"TextClassificationDataset: {unknown} of the texts' {total} tokens ({unknown / total:.0%}) are "
                  f"{UNK} (the most frequent unknown: {shown}), so a model would read little but {UNK}: a vocabulary "
                  f"of other texts (another corpus or language, a few texts, a max_size or min_freq that kept "
                  f"{len(vocab) - len(SPECIALS)} {vocab.level} token(s))? build it from the training texts "
                  "(Vocab.build(train_texts)) and encode every split with that one; encode with strict=True to list "
                  "the unknown tokens, or, if the texts are meant so, silence this with warnings.filterwarnings("
                  "'ignore', '.*so a model would read little')", UserWarning, stacklevel=3)


def _token_counts(ids: list[torch.Tensor], vocab: Vocab) -> tuple[np.ndarray, np.ndarray]:
    """``(words, unknown)``, each ``(n,)``: per text, its tokens other than ``<pad>``, ``<bos>`` and ``<eos>``, and how
    many of them are ``<unk>``; one pass over the texts' ids laid end to end (a set of 25,000 reviews is counted at
    once, not a text at a time)."""
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat = torch.cat([x.reshape(-1) for x in ids]).numpy()
    ends = np.cumsum([x.numel() for x in ids])

    def per_text(mask: np.ndarray) -> np.ndarray:  # its count in each text: differences of the running count
        running = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        return running[ends] - running[np.concatenate([[0], ends[:-1]])]

    special = (flat == vocab.pad_id) | (flat == vocab.bos_id) | (flat == vocab.eos_id)
    return per_text(~special), per_text(flat == vocab.unk_id)


def _warn_unknown_texts(texts, ids: list[torch.Tensor], vocab: Vocab,
                        counts: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Warn where a tenth of the texts or more (2 at least) are ``<unk>`` throughout, of 3 tokens or more each, and
    not for their capitals alone (`_warn_cased_unknowns`' case): texts of another language, script or field in the
    column (a multilingual export, reviews beside their replies), which a model reads as nothing but their length,
    learning their labels' share, while the set's unknown share stays under `_warn_mostly_unknown`'s half; and only
    where they are more than four times as many as chance gives them (the sum over the texts of 3 tokens or more of
    ``q ** length``, ``q`` the other texts' unknown share), so short texts of a vocabulary's own language whose words
    are often rare (tweets under a vocabulary of ``min_freq`` or ``max_size``) are not called another language."""
    words, unknown = counts if counts is not None else _token_counts(ids, vocab)  # ``counts``: the caller's
    long = words >= 3
    blank = []
    for i in np.flatnonzero(long & (unknown == words)):  # <unk> throughout
        cased = 0 if vocab.lower or vocab.level == "token" else sum(
            w.lower() in vocab.stoi for w in vocab.tokenize(texts[i]) if isinstance(w, str))
        if cased * 2 < words[i]:
            blank.append(int(i))
    rest = np.ones(len(words), dtype=bool)
    rest[blank] = False
    rest, rest_unknown, sizes = int(words[rest].sum()), int(unknown[rest].sum()), words[long]
    # the texts <unk> throughout by chance, were the other texts' unknown share q spread over their words alike
    # (short texts of rare words, tweets, under a vocabulary of min_freq or max_size): sum of q ** length
    q = rest_unknown / rest if rest else 0.0
    if len(blank) < max(2, 0.1 * len(ids)) or len(blank) <= 4 * float((q ** sizes.astype(np.float64)).sum()):
        return
    shown = ", ".join(map(str, blank[:5])) + (", ..." if len(blank) > 5 else "")
    first = texts[blank[0]]
    first = f"{first[:40]!r}" if isinstance(first, str) else f"{list(first)[:8]!r}"
    warnings.warn(f"TextClassificationDataset: {len(blank)} of the {len(ids)} texts are {UNK} throughout (texts "
                  f"{shown}; text {blank[0]}: {first}), so a model reads nothing of them but their length: texts of "
                  "another language or field than the vocabulary's (a multilingual export)? build the vocabulary "
                  "from texts like them (Vocab.build(train_texts)), or drop them; if they are meant so, silence this "
                  f"with warnings.filterwarnings('ignore', '.*are {UNK} throughout')", UserWarning, stacklevel=3)


def _holds_nul(text: str) -> str:
    """What a text given as a string with a NUL holds, and the fix (`Vocab.build`, `Vocab.encode`)."""
    return (f"holds a NUL character (at character {text.index(chr(0))}), which no text holds: text of a binary file, "
            "or of another encoding (UTF-16 read as UTF-8)? read the file with read_text(path), which names the "
            "encoding, or drop the NULs (text.replace('\\x00', '')) if they are stray")


def _plain_tokens(tokens: Iterable) -> list:
    """The tokens of a token sequence as Python's own strings and numbers: a tensor's elements are 0-d tensors,
    hashed by identity (every one would be a token of its own, and ``encode`` would give ``<unk>`` for all), and
    numpy's scalars cannot be saved as JSON; a token that is itself several (a row of a 2-D array) is refused."""
    if isinstance(tokens, torch.Tensor | np.ndarray):
        if tokens.ndim != 1:
            raise ValueError(f"a token sequence must be 1-D, got a {type(tokens).__name__} of shape "
                             f"{tuple(tokens.shape)}; pass one sequence per text (e.g. list(array) for a 2-D array)")
        return tokens.tolist()
    out = [t.item() if isinstance(t, np.generic) or isinstance(t, torch.Tensor) and t.numel() == 1 else t
           for t in tokens]
    bad = next((i for i, t in enumerate(out) if isinstance(t, list | dict | set | np.ndarray | torch.Tensor)), None)
    if bad is not None:  # unhashable, or several tokens in one
        raise ValueError(f"token {bad} of the sequence is a {type(out[bad]).__name__} ({out[bad]!r:.40}), not a "
                         "token (a string or a number); pass one token per position")
    return out


def _refuse_ids_as_tokens(tokens: list, vocab: Vocab) -> None:
    """Refuse numbers given to a vocabulary of text tokens: no number is a text token, so every one would encode to
    ``<unk>`` without a word. They are ids already: a tokenizer's ``input_ids``, or ``encode``'s own output."""
    at = next((i for i, t in enumerate(tokens) if not isinstance(t, str)), None)
    if at is None or len(vocab) <= len(SPECIALS) or not all(isinstance(t, str) for t in vocab.itos):
        return
    numbers = sum(not isinstance(t, str) for t in tokens)
    raise ValueError(f"the token list holds {tokens[at]!r} at position {at} ({numbers} of its {len(tokens)} tokens "
                     f"are numbers), but the vocabulary's {len(vocab)} tokens are text, so every number would encode "
                     f"to {UNK}: token ids already (a tokenizer's input_ids, or Vocab.encode's output)? use the ids "
                     "as they are (torch.tensor(ids), with pad_collate), or give the text itself, a string or its "
                     "tokens as strings")


_TOKENIZER_PADS = ("[PAD]", PAD)
"""The padding tokens of Hugging Face tokenizers: BERT's family (DistilBERT, ELECTRA) pads with ``[PAD]``; RoBERTa,
BART, T5, XLNet and ALBERT with ``<pad>``, which a word-level vocabulary reads as its own padding id."""


def _refuse_tokenizer_padding(text, i: int, vocab: Vocab) -> None:
    """Refuse a text holding a tokenizer's padding token as written text, not as the vocabulary's padding id:
    ``tokenizer.batch_decode(input_ids)`` of padded ids (it keeps special tokens by default) writes ``'[CLS] a film
    [SEP] [PAD] [PAD]'``, which a word-level vocabulary reads as the words ``[``, ``PAD``, ``]`` (a char-level one
    ``<pad>`` as five letters), so the padding would count in the text's length as steps the model reads."""
    if isinstance(text, str):
        mark = next((m for m in _TOKENIZER_PADS if m in text), None)
        if mark is None:
            return
        count, where = text.count(mark), f"first at character {text.index(mark)}"
        read = (f"the {vocab.level}-level vocabulary reads it as {len(vocab.tokenize(mark))} "
                f"{'characters' if vocab.level == 'char' else 'tokens'} ({vocab.tokenize(mark)})")
    else:
        tokens = _plain_tokens(text)
        at = [k for k, tok in enumerate(tokens) if tok in _TOKENIZER_PADS]
        if not at:
            return
        mark, count, where = tokens[at[0]], len(at), f"first at position {at[0]} of its {len(tokens)} tokens"
        read = "the vocabulary reads it as a token of the text"
    raise ValueError(f"text {i} holds the padding token {mark!r} {count} time(s) ({where}): a tokenizer's padded "
                     "ids made text again (tokenizer.batch_decode keeps special tokens unless skip_special_tokens="
                     f"True, convert_ids_to_tokens keeps them all)? {read}, so the padding would count in the "
                     "text's length as steps the model reads; decode with skip_special_tokens=True (which drops "
                     "[CLS], [SEP], <s> and </s> too) or give the texts themselves (pad_collate pads each batch to "
                     f"its longest text and gives the mask); a text that mentions {mark} itself: write it otherwise")


def _check_one_kind(counts: Counter) -> None:
    """Refuse a vocabulary of both text and numbers: ``'1'`` and ``1`` would be two tokens, and they cannot be
    ordered by frequency then token."""
    text = next((t for t in counts if isinstance(t, str)), None)
    number = next((t for t in counts if not isinstance(t, str)), None)
    if text is not None and number is not None:
        kind = "numbers" if isinstance(number, int | float) else type(number).__name__
        raise ValueError(f"the corpus's tokens are both text ({text!r}) and {kind} ({number!r}), which would be "
                         "different tokens (the text '1' is not the number 1); give every token one kind, e.g. "
                         "[str(t) for t in tokens]")


def _token_ids(values, what: str) -> torch.Tensor:
    """``values`` as int64 ids; ValueError for what int64 would change (0.5 truncated to 0, NaN, text), and for a
    negative id (``-1`` indexes from the end; ``-100`` is the padding label the losses ignore)."""
    a = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    if str(getattr(values, "dtype", "")) == "category" and a.dtype.kind in "OUS":  # pandas' Categorical of text
        categories = list(getattr(values, "cat", values).categories)
        codes = "labels.cat.codes" if hasattr(values, "cat") else "labels.codes"
        raise ValueError(f"{what} is a pandas Categorical of the categories {categories[:5]}"
                         f"{' ...' if len(categories) > 5 else ''}, text, not ids; its codes are the ids, in the "
                         f"categories' order: pass {codes} (and keep the categories to name the classes)")
    if a.dtype.kind == "f" and not (np.isfinite(a).all() and (a == np.round(a)).all()):
        bad = np.flatnonzero(~np.isfinite(a) | (a != np.round(a)))[0]
        missing = np.isnan(a).sum()
        raise ValueError(f"{what} must hold whole numbers; at position {bad} it is {a.ravel()[bad]}" + (
            f" ({missing} of the {a.size} are NaN: missing labels, the empty cells of a column as pandas reads them); "
            f"drop those items (df.dropna(subset=[column])) or give them their class" if missing else ""))
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{what} must hold integer ids, got dtype {a.dtype}" + (
            "; map text labels to ids first (e.g. {label: i for i, label in enumerate(sorted(set(labels)))})"
            if a.dtype.kind in "USO" else ""))
    if a.size and a.dtype.kind in "uf" and not (a.dtype.kind == "u" and a.dtype.itemsize < 8):
        beyond = np.flatnonzero(((a >= 2**63) | (a < -(2**63))).ravel())  # int64 would wrap them to negative ids
        if beyond.size:
            value = a.ravel()[beyond[0]].item()
            raise ValueError(f"{what} holds {value!r} at position {int(beyond[0])}, beyond the int64 "
                             f"range of ids (|id| < 2**63; {beyond.size} such in all): hashed ids (uint64)? ids "
                             "index an embedding or the model's classes, counted from 0: map them to 0 .. n - 1 "
                             "first, e.g. np.unique(values, return_inverse=True)[1]")
    ids = torch.as_tensor(a.astype(np.int64))
    if ids.numel() and int(ids.min()) < 0:  # -1 would index an embedding or a class from the end; -100 is ignored
        at = int(torch.nonzero(ids.flatten() < 0)[0])
        raise ValueError(f"{what} holds the negative id {int(ids.flatten()[at])} at position {at}; ids index an "
                         "embedding or the model's classes and must be >= 0" + (
                             " (the -100 that pad_collate pads per-step labels with is not a label of its own)"
                             if what == "labels" else ""))
    return ids


def labels_by_file(files, labels, who: str):
    """``labels`` as a list in the files' order where they are keyed by the files (a dict, or a pandas Series whose
    index holds text, as ``df.set_index('file')['label']`` gives), each file's found by its path, its name
    (``'clip1.wav'``) or its name without the extension (``'clip1'``), whichever the keys are; read by position, such
    labels would go to the files in the keys' order, not by name. Keys of no file are left out (a labels table of
    more files than a split's); a file of no key, names that two files share, and keys that share a file's name
    (``'a/1.wav'`` and ``'b/1.wav'`` for a file matched by name alone) are refused, and so is a dict of which no key
    names a file, but for a dict keyed by the positions 0 .. n-1 (ints), read by them where the files are not
    named by those numbers. A Series of which no key names a file (indexed by a table's own ids) and other
    labels are returned as given, read by position as before."""
    if isinstance(labels, dict):
        keyed = dict(labels)
    elif hasattr(labels, "index") and hasattr(labels, "dtype") and getattr(labels, "ndim", 0) == 1 and not (
            hasattr(files, "index") and hasattr(files, "dtype")) and len(labels) and all(
            isinstance(k, str) for k in labels.index):  # a Series by file name; paths' column beside it: check_aligned
        keyed = dict(zip(labels.index, labels.tolist(), strict=True))
    else:
        return labels
    if not all(isinstance(f, str | os.PathLike) for f in files):
        return labels
    keys = [str(k) for k in keyed]
    values = list(keyed.values())
    if all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in keyed) and \
            set(keyed) == set(range(len(files))) and not all(Path(f).stem in keys for f in files):
        return [keyed[i] for i in range(len(files))]  # {0: 'cat', 1: 'dog'}: keyed by the files' positions
    for form, how in ((lambda f: str(Path(f)), "paths"), (lambda f: Path(f).name, "names"),
                      (lambda f: Path(f).stem, "names without the extension")):
        wanted = [form(f) for f in files]
        by_key = {form(k): v for k, v in zip(keys, values, strict=True)}
        if not any(w in by_key for w in wanted):
            continue
        formed = Counter(form(k) for k in keys)  # keys 'a/1.wav' and 'b/1.wav' read by name: one would be lost
        if clash := next((w for w in wanted if formed[w] > 1), None):
            two = [k for k in keys if form(k) == clash][:2]
            raise ValueError(f"{who}: labels are keyed by paths that the files match only by their {how}, and keys "
                             f"{two[0]!r} and {two[1]!r} share {clash!r} (two folders), so a file's label is not "
                             "known; key the labels by the files' paths as given in files: {str(path): label for ...}")
        shared = [w for w, n in Counter(wanted).items() if n > 1]
        if shared:
            folders = len({Path(f).parent for f in files})
            raise ValueError(f"{who}: labels are keyed by the files' {how}, and {len(shared)} of them name two or "
                             f"more files (e.g. {shared[0]!r}, in {folders} folders); key the labels by the files' "
                             "paths: {str(path): label for ...}")
        missing = [i for i, w in enumerate(wanted) if w not in by_key]
        if missing:
            near = closest_name(wanted[missing[0]], list(by_key))
            raise ValueError(f"{who}: labels are keyed by the files' {how}, but {len(missing)} of the {len(wanted)} "
                             f"files have no label (e.g. {list(files)[missing[0]]}"
                             f"{f'; the keys have {near!r}' if near else ''}); "
                             "give every file a label, or leave the unlabelled files out of files")
        return [by_key[w] for w in wanted]
    if not isinstance(labels, dict):  # a Series indexed by other ids (a table's own), in the files' order: by position
        return labels
    raise ValueError(f"{who}: labels are keyed ({type(labels).__name__} of keys {keys[:2]}), but no key is a file's "
                     f"path, name or name without the extension (files {[Path(f).name for f in files][:2]}); key them "
                     "by the files' names, or pass a list of labels in the files' order")


def check_file_list(files, labels, who: str, pattern: str) -> None:
    """ValueError for the files of a dataset of files (audio, video) given as one path, whose characters would be
    read as files (``got 22 files but 1 labels``), or files or labels given as an iterator (``Path.glob``), which
    has no length to check, and whose order is the file system's, not the labels'."""
    if isinstance(files, str | os.PathLike):
        raise ValueError(f"files is one path ({str(files)!r}); {who} takes a list of paths: pass [path], or a "
                         f"folder's files, sorted(Path(folder).glob({pattern!r}))")
    refuse_frame(files, f"{who}: files", "paths")
    for name, given in (("files", files), ("labels", labels)):
        if isinstance(given, Iterator):
            raise ValueError(f"{name} is an iterator ({type(given).__name__}, as Path.glob gives): it has no length "
                             f"to check against the {'labels' if name == 'files' else 'files'}, and glob gives files "
                             "in the file system's order, not the labels'; pass lists: files = "
                             f"sorted(Path(folder).glob({pattern!r})), and the labels in that order")
    _warn_text_order_of_numbers(files, labels, who)


def _warn_text_order_of_numbers(files, labels, who: str) -> None:
    """Warn of files numbered without leading zeros and given in their order as text (``sorted(glob)``: clip1,
    clip10, clip11, clip2), when the labels read by position would go to other files were they in the numbers'
    order (a table of clips 1, 2, 3, ..., as a dataset's labels file lists them): the one order or the other is
    silently wrong. The rule: files of one folder and one pattern (their names with the digits masked), numbered
    without leading zeros, in text order that is not their numbers' order, and a label that would change between the
    two readings. Quiet besides: files whose labels would not change (one class folder's clips, `from_folder`), names
    zero-padded or with no number, paths given as a table's column (a pandas Series or Index: listed beside their
    labels row by row, not found by a glob), and labels each of which is a number written in its own file's name
    (FSDD's ``'3_jackson_10.wav'`` of digit 3, UrbanSound8K's ``'100263-2-0-117.wav'`` of class 2: read from the
    names, so aligned in any order). Labels listed by hand in the same text order as the files cannot be told from
    labels in the numbers' order, and are warned, with the filter that silences it."""
    if not all(isinstance(f, str | os.PathLike) for f in files):  # the datasets' own checks name other entries
        return
    if hasattr(files, "index") and hasattr(files, "dtype"):  # a table's column of paths, beside its labels
        return
    names = [Path(f).name for f in files]
    labels = np.asarray(labels.detach().cpu() if isinstance(labels, torch.Tensor) else labels, dtype=object)
    if len(names) < 2 or labels.ndim != 1 or len(labels) != len(names):
        return
    if all(_number_in(label, name) for label, name in zip(labels, names, strict=True)):  # read from the names
        return
    groups: dict[tuple, list[int]] = {}
    for i, f in enumerate(files):  # files of one pattern in one folder: clip<n>.wav
        groups.setdefault((str(Path(f).parent), re.sub(r"\d+", "#", names[i])), []).append(i)
    for at in groups.values():
        keys = [tuple(int(n) for n in re.findall(r"\d+", names[i])) for i in at]  # not the numbers module
        by_number = [at[k] for k in sorted(range(len(at)), key=keys.__getitem__)]
        moved = [(a, b) for a, b in zip(at, by_number, strict=True) if a != b and labels[a] != labels[b]]
        if not keys[0] or not moved or [names[i] for i in at] != sorted(names[i] for i in at):
            continue
        a, b = moved[0]
        shown = ", ".join(names[i] for i in at[:4])
        warnings.warn(f"{who}: the files are in their names' order as text, numbered without leading zeros "
                      f"({shown}, ...), so label {a}, read by position, goes to {names[a]}; if the labels follow the "
                      f"files' numbers (a table of clips 1, 2, 3, ...), it is {names[b]}'s, and {len(moved)} file(s) "
                      "get another's label; sort the files by their numbers: sorted(files, key=lambda p: [int(t) if "
                      "t.isdigit() else t for t in re.split(r'(\\d+)', str(p))]), or, if the labels are in this "
                      "order, silence this with warnings.filterwarnings('ignore', '.*numbered without leading zeros')",
                      UserWarning, stacklevel=4)
        return


def _number_in(label, name: str) -> bool:
    """Whether the whole-number ``label`` is one of the numbers written in the file name ``name``."""
    try:
        return isinstance(label, numbers.Integral | float | np.number) and float(label) == int(label) and \
            int(label) in {int(n) for n in re.findall(r"\d+", name)}
    except (TypeError, ValueError, OverflowError):
        return False


EMPTY_DATASET = ("(an empty list: a filter or a split that kept no item?); a dataset of no items yields no batch, "
                 "and trains or scores nothing")
"""Why a dataset of no items is refused, after its own words of what it was given."""


def _label_ids(labels, who: str) -> torch.Tensor:
    """``labels`` as int64 class ids, one per item ``(N,)`` (:func:`_token_ids`): a one-hot matrix or a column of
    ids ``(N, 1)`` would be batched as label vectors, which the loss misreads or refuses mid-epoch. Labels that run
    1 .. K with no 0 are warned of (`_warn_labels_from_one`)."""
    ids = _token_ids(labels, "labels")
    if ids.dim() != 1:
        shape = tuple(ids.shape)
        hint = ("; one-hot rows? pass labels.argmax(1)" if ids.dim() == 2 and shape[1] > 1 and
                bool(((ids == 0) | (ids == 1)).all()) and bool((ids.sum(1) == 1).all()) else
                "; a column of ids? pass labels.ravel()" if ids.dim() == 2 and shape[1] == 1 else "")
        raise ValueError(f"labels must hold one class id per item, shape (N,), got shape {shape}{hint}")
    _warn_labels_from_one(ids, who)
    return ids


def _warn_labels_from_one(ids: torch.Tensor, who: str) -> None:
    """Warn of class ids that are exactly 1 .. K, K >= 2, with no 0: counted from 1 (R's factors, a file's own
    numbering), which a model of K outputs refuses at class K only when the loss meets it, and one of K + 1 learns
    with an output for a class that no item holds. Where class 0 is merely absent (a split of some classes), the
    warning says how to silence it."""
    classes = torch.unique(ids)
    top = int(classes[-1]) if len(classes) else 0
    if top < 2 or int(classes[0]) != 1 or len(classes) != top:
        return
    warnings.warn(f"{who}: the labels run from 1 to {top} and no item has class 0, but class ids index the model's "
                  f"outputs from 0: a model of {top} outputs fails at class {top}, one of {top + 1} keeps an output "
                  "for a class no item holds; counted from 1 (R's factors, a file's numbering)? pass labels - 1; if "
                  "class 0 is only absent from these items, silence this with "
                  "warnings.filterwarnings('ignore', '.*no item has class 0')", UserWarning, stacklevel=4)


def batchify(ids: torch.Tensor | Sequence[int], batch_size: int) -> torch.Tensor:
    """Cut a token stream ``(N,)`` into ``batch_size`` contiguous rows ``(B, N // B)``; the tail is dropped.

    Row ``b`` is ``ids[b * L : (b + 1) * L]`` with ``L = N // B``.
    """
    if not is_count(batch_size):
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if isinstance(ids, Iterator):  # a generator of ids: numpy would hold it as one object, "not ids"
        ids = list(ids)
    if isinstance(ids, str) or isinstance(ids, Sequence) and len(ids) and isinstance(ids[0], str):
        shown = repr(ids[:20]) if isinstance(ids, str) else f"a {type(ids).__name__} of str"
        raise ValueError(f"the token stream is text ({shown}), not token ids; encode it first: "
                         "vocab = Vocab.build([text]); ids = vocab.encode(text)")
    if (ids.dtype == torch.bool) if isinstance(ids, torch.Tensor) else np.asarray(ids).dtype == bool:
        raise ValueError("the token stream holds True/False, not token ids (True would be read as id 1, <unk>, and "
                         "False as 0, <pad>); encode the tokens first (Vocab.encode), or pass ids.long() if they "
                         "are ids")
    ids = _token_ids(ids, "the token stream")
    if ids.dim() != 1:  # flattening would join the rows of a batch into one stream
        raise ValueError(f"the token stream must be 1-D (N,), got shape {tuple(ids.shape)}; batchify cuts one "
                         "stream into rows (concatenate documents first, e.g. torch.cat)")
    L = ids.numel() // batch_size
    if L < 2:
        raise ValueError(
            f"a stream of {ids.numel()} tokens gives rows of {L} tokens for batch_size={batch_size}; "
            "need at least 2 per row (an input and its target): use a smaller batch_size or more text"
        )
    return ids[: L * batch_size].view(batch_size, L)


class BPTTBatches:
    """Contiguous LM batches for truncated backpropagation through time.

    Iterates ``(x, y)`` pairs, both ``(B, n)`` int64 with ``n = bptt`` (the last chunk may be shorter) and
    ``y[:, t] = x[:, t + 1]`` continued across chunks: over the whole epoch row ``b`` of the ``x`` chunks
    concatenates to ``rows[b, :-1]`` and of the ``y`` chunks to ``rows[b, 1:]``. Carry the state across
    chunks and detach it between them (`rnnkit` training does that explicitly).

    Args:
        ids: the token stream ``(N,)``, e.g. ``vocab.encode(read_text(path))``.
        batch_size: number of rows ``B``.
        bptt: chunk length in steps.
    """

    def __init__(self, ids: torch.Tensor | Sequence[int], batch_size: int, bptt: int):
        if not is_count(bptt):
            raise ValueError(f"bptt must be an integer >= 1, got {bptt!r}")
        self.rows = batchify(ids, batch_size)  # (B, L)
        self.bptt = bptt

    def __len__(self) -> int:
        return -(-(self.rows.shape[1] - 1) // self.bptt)

    def window(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``i``-th chunk ``(x, y)``, each ``(B, n)``."""
        if not 0 <= i < len(self):
            raise IndexError(f"chunk {i} out of range for {len(self)} chunks")
        s = i * self.bptt
        e = min(s + self.bptt, self.rows.shape[1] - 1)
        return self.rows[:, s:e], self.rows[:, s + 1 : e + 1]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return (self.window(i) for i in range(len(self)))


def _truncate(ids: torch.Tensor, max_len: int, keep: str, *, bos: bool, eos: bool) -> torch.Tensor:
    """The ``max_len`` ids of an encoded text that ``keep`` names ('first' or 'last' of its tokens), its ``<bos>``
    and ``<eos>`` (when given) kept at its ends."""
    head, tail = ids[:int(bos)], ids[len(ids) - int(eos):]
    body, room = ids[int(bos): len(ids) - int(eos)], max_len - int(bos) - int(eos)
    return torch.cat([head, body[:room] if keep == "first" else body[len(body) - room:], tail])


class TextClassificationDataset(Dataset):
    """Texts as ``(ids (T,) int64, label int64)`` items with ``lengths`` for `BucketBatchSampler`.

    Texts are encoded once, up front. ``max_len`` caps the ids of a text, ``<bos>`` and ``<eos>`` counted: a
    longer text keeps its first tokens (``keep="first"``, the default) or its last (``keep="last"``: a review's
    verdict tends to come at its end, as `rnnkit.apps.sentiment` keeps it), and its ``<bos>`` and ``<eos>`` (as
    tokenizers that truncate keep their special tokens). An empty text raises ValueError naming its index, and so
    does a text holding ``<pad>`` (padded already: its length would count the padding as steps), or a tokenizer's
    ``[PAD]`` written as text (padded ids decoded by ``tokenizer.batch_decode``).
    """

    def __init__(
        self,
        texts: Sequence[str | Sequence[str]],
        labels: Sequence[int],
        vocab: Vocab,
        *,
        max_len: int | None = None,
        bos: bool = False,
        eos: bool = False,
        strict: bool = False,
        keep: str = "first",
    ):
        if isinstance(texts, str | bytes):  # iterating it would make every character a text of its own
            raise ValueError(f"texts is one string ({texts[:30]!r}), so each of its {len(texts)} characters would be "
                             "a text; TextClassificationDataset takes a list of texts: pass [text]")
        refuse_keyed(texts, "TextClassificationDataset: texts", "texts", "texts")
        texts = list(texts) if isinstance(texts, Iterator) else texts  # a generator of lines has no len()
        labels = list(labels) if isinstance(labels, Iterator) else labels
        if len(texts) != len(labels):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels; need one label per text")
        if len(texts) == 0:  # a DataLoader of it yields no batch: Lightning then trains nothing, with a warning
            raise ValueError(f"TextClassificationDataset: no texts given {EMPTY_DATASET}")
        check_aligned(texts, labels, "texts")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int | np.integer)
                                    or max_len < 1):  # a negative max_len would cut from the end
            raise ValueError(f"max_len must be an integer >= 1 or None, got {max_len!r}")
        check_flags(bos=bos, eos=eos, strict=strict)
        if keep not in ("first", "last"):
            raise ValueError(f"keep must be 'first' or 'last' (the tokens a text longer than max_len keeps), got "
                             f"{keep!r}")
        if max_len is not None and max_len <= bos + eos:
            raise ValueError(f"max_len={max_len} counts <bos> and <eos> and leaves no room for a token of text; "
                             f"pass max_len >= {bos + eos + 1}")
        self.vocab = vocab
        _warn_missing_as_text(texts)
        label_ids = _label_ids(labels, "TextClassificationDataset")  # read once: the label check and self.labels
        _refuse_label_field(texts, label_ids)
        self.ids = []
        for i, t in enumerate(texts):
            try:
                ids = vocab.encode(t, strict=strict, bos=bos, eos=eos)
                if max_len is not None and len(ids) > max_len:  # cut the text, not its <bos> or <eos>
                    ids = _truncate(ids, max_len, keep, bos=bos, eos=eos)
            except ValueError as e:
                raise ValueError(f"text {i}: {e}") from None
            if ids.numel() == 0 or (bos or eos) and not vocab.tokenize(t):  # <bos> / <eos> alone are no text
                raise ValueError(f"text {i} is empty after tokenization; drop it before building the dataset")
            if bool((ids == vocab.pad_id).any()):  # inside its length: the model would read the padding as steps
                at = torch.nonzero(ids == vocab.pad_id).flatten().tolist()
                shown = f"{at[:5]}{' ...' if len(at) > 5 else ''}"
                raise ValueError(f"text {i} holds {PAD} at position(s) {shown} of its {len(ids)} tokens: padded "
                                 "already (Keras' pad_sequences, a tokenizer's padding to a fixed length)? its length "
                                 "would count the padding, which the model then reads as steps; give each text "
                                 "unpadded (pad_collate pads each batch to its longest text and gives the mask), or, "
                                 f"for a text that mentions {PAD} itself, write it otherwise (e.g. "
                                 f"text.replace('{PAD}', 'pad'))")
            _refuse_tokenizer_padding(t, i, vocab)
            self.ids.append(ids)
        self.labels = label_ids
        self.lengths = np.array([len(x) for x in self.ids], dtype=np.int64)
        listed = list(texts)  # by position: a pandas Series' own index (a split's 3, 7, 12, ...) is no position
        if not _warn_cased_unknowns(listed, self.ids, vocab):  # capitals explain the <unk>s there
            _warn_mostly_unknown(listed, self.ids, vocab)
        else:  # but not those of whole texts of another language
            _warn_unknown_texts(listed, self.ids, vocab)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.ids[i], self.labels[i]
