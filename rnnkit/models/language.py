"""Recurrent language model: next-token prediction, sampling and a streaming state for generation."""

from __future__ import annotations

import warnings

import torch
from torch import Tensor, nn

from ..cells.base import State, hidden_of, length_mask
from ..checks import check_flags, is_count, is_finite_number, is_integer
from ..layers.checks import check_lengths
from .encoder import build_encoder, eval_mode
from .heads import StepHead, check_output_size


def sample_next(logits: Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                generator: torch.Generator | None = None, exclude=None) -> Tensor:
    """Draw one token per row from ``softmax(logits / temperature)``: ``(B, V) -> (B,)``.

    ``temperature=0`` is greedy (argmax), as is any below float32's smallest normal number, 1.2e-38. ``top_k``
    keeps only the k most likely tokens (Fan et al. 2018).
    ``exclude``: ids never drawn (their probability set to 0 before ``top_k`` and the draw), e.g. a vocabulary's
    special symbols, which are no text: ``[vocab.pad_id, vocab.unk_id, vocab.bos_id]`` of
    :class:`rnnkit.data.Vocab`.
    """
    if not isinstance(logits, Tensor) or logits.dim() != 2:  # argmax would read (V,) or (B, T, V) and sample refuse
        shape = tuple(logits.shape) if isinstance(logits, Tensor) else type(logits).__name__
        fix = ("one sequence? pass logits[None]" if isinstance(logits, Tensor) and logits.dim() == 1 else
               "a model's scores of every step? pass logits[:, -1], those of the next token"
               if isinstance(logits, Tensor) and logits.dim() == 3 else "give one row of scores per sequence")
        raise ValueError(f"sample_next: logits must have shape (B, V), a row of V scores per sequence, got {shape}; "
                         f"{fix}")
    excluded = excluded_ids(exclude, logits.shape[-1])
    if not (is_finite_number(temperature) and temperature >= 0):  # NaN would reach multinomial as NaN weights
        raise ValueError(f"temperature must be a finite number >= 0 (0: greedy), got {temperature!r}")
    if top_k is not None and not is_count(top_k):
        raise ValueError(f"top_k must be an integer >= 1 or None, got {top_k!r}")
    if generator is not None and not isinstance(generator, torch.Generator):  # else multinomial's TypeError
        raise ValueError(f"generator must be a torch.Generator or None, got {type(generator).__name__}; for "
                         f"reproducible draws pass torch.Generator(device=...).manual_seed(seed)"
                         + (" (an integer seed is not a generator)" if is_integer(generator) else ""))
    if excluded is not None:
        logits = logits.masked_fill(excluded.to(logits.device), float("-inf"))
    if temperature < torch.finfo(torch.float32).tiny:  # 0, or a float32 0 (0 / 0 would be NaN): greedy
        return logits.argmax(-1)
    logits = logits.float()
    # less each row's largest first (softmax does not see it): a tiny temperature gives -inf and 0, never inf - inf
    logits = (logits - logits.amax(-1, keepdim=True)) / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[:, -1:]  # (B, 1), the k-th largest logit
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.multinomial(logits.softmax(-1), 1, generator=generator)[:, 0]


def excluded_ids(exclude, V: int) -> Tensor | None:
    """``exclude`` (ids, a list, an array or a tensor; None: none) as a ``(V,)`` mask, or a ValueError naming an id
    outside ``[0, V)`` or a list that leaves nothing to draw."""
    if exclude is None:
        return None
    ids = torch.as_tensor(exclude).reshape(-1)
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"exclude must be token ids (integers in [0, {V})), got dtype {ids.dtype}")
    bad = ids[(ids < 0) | (ids >= V)]
    if len(bad):
        raise ValueError(f"exclude holds id {int(bad[0])}, not in [0, vocab_size={V}); give ids of the model's "
                         f"vocabulary (e.g. [vocab.pad_id, vocab.unk_id, vocab.bos_id])")
    mask = torch.zeros(V, dtype=torch.bool)
    mask[ids.long()] = True
    if bool(mask.all()):
        raise ValueError(f"exclude holds all {V} ids of the vocabulary, which leaves no token to draw")
    return mask


def _padding_hint(prompt: Tensor) -> str | None:
    """A warning for prompts ``(B, T0)`` that look padded with id 0 (a Vocab's ``<pad>``, the default of
    ``pad_sequence`` and Keras' ``pad_sequences``) at their ends or starts, or None: runs of 0 at the ends (starts)
    of some rows, another row without, and no 0 anywhere else."""
    zero = (prompt == 0).cpu()
    n_zero = int(zero.sum())
    if not n_zero or len(prompt) < 2:
        return None
    for side, runs in (("end", zero.flip(1).cummin(1).values.sum(1)), ("start", zero.cummin(1).values.sum(1))):
        if int(runs.sum()) == n_zero and int(runs.min()) == 0 and int(runs.max()) < prompt.shape[1]:
            b, verb = int(runs.argmax()), "end in" if side == "end" else "begin with"
            head = (f"generate: {int((runs > 0).sum())} of {len(prompt)} prompts {verb} id 0 (prompt {b}: "
                    f"{'its last' if side == 'end' else 'its first'} {int(runs[b])} of {prompt.shape[1]} ids) and no "
                    f"other id is 0: padding? ")
            if side == "end":
                return (head + "Without lengths it is read as context, and each prompt continues after it; pass "
                        "lengths=(prompt != 0).sum(1), each prompt's real tokens (if the 0s are real tokens, "
                        f"lengths=torch.full(({len(prompt)},), {prompt.shape[1]}) says so)")
            return (head + "Padding at the start (Keras' pad_sequences' default, Hugging Face's advice for "
                    "transformers) is read into the recurrent state before each prompt; pad at the end and pass "
                    "lengths=(prompt != 0).sum(1)")
    return None


class LanguageModel(nn.Module):
    """Next-token model (Mikolov et al. 2010; Zaremba et al. 2014)::

        e_t = E[w_t]                        embedding, (B, T) -> (B, T, E)
        h_t = rnn(e_t, h_{t-1})             L layers, one direction
        logits_t = W_ho h_t + c             (B, T, V): the distribution of w_{t+1}

    ``forward(tokens, lengths=None, state=None) -> (logits, final_state)``, tokens ``(B, T)`` int64. Dropout
    ``dropout`` acts on the embeddings, between layers and before the output layer. ``tie_weights`` shares
    ``E`` with ``W_ho`` (Press & Wolf 2017; needs ``embedding_size == hidden_size``).

    For generation, :meth:`stream` gives a :class:`GenerationStream` that keeps the state between calls, and
    :meth:`generate` continues a prompt.
    """

    target = "step"

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        *,
        embedding_size: int | None = None,
        cell="lstm",
        num_layers: int = 1,
        dropout: float = 0.0,
        tie_weights: bool = False,
        backend: str = "auto",
    ):
        super().__init__()
        check_output_size(vocab_size, "vocab_size", "LanguageModel")
        if not is_count(hidden_size):  # before nn.Embedding reads it as the default embedding_size
            raise ValueError(f"LanguageModel: hidden_size must be an integer >= 1, got {hidden_size!r}")
        if embedding_size is not None and not is_count(embedding_size):  # 0 is no size, not "the default"
            raise ValueError(f"LanguageModel: embedding_size must be an integer >= 1, or None for hidden_size, got "
                             f"{embedding_size!r}")
        check_flags("LanguageModel: ", tie_weights=tie_weights)  # "no" would tie
        embedding_size = embedding_size or hidden_size
        if tie_weights and embedding_size != hidden_size:
            raise ValueError(f"tie_weights needs embedding_size == hidden_size, got {embedding_size} and "
                             f"{hidden_size}")
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        self.drop = nn.Dropout(dropout)
        # between layers too; one layer has none, and the encoder would warn that dropout does nothing, which
        # here it does (on the embeddings and the outputs)
        self.encoder = build_encoder(cell, embedding_size, hidden_size, num_layers=num_layers,
                                     dropout=dropout if num_layers > 1 else 0.0, backend=backend)
        self.head = StepHead(hidden_size, vocab_size)
        if tie_weights:
            self.head.linear.weight = self.embedding.weight

    def forward(self, tokens: Tensor, lengths: Tensor | None = None, state: State | None = None):
        if tokens.is_floating_point() or tokens.is_complex() or tokens.dtype == torch.bool:
            one_hot = tokens.dim() == 3 and tokens.shape[-1] == self.vocab_size
            fix = ("one-hot vectors? pass tokens.argmax(-1)" if one_hot else
                   "use tokens.long() if they are whole numbers")
            raise ValueError(f"LanguageModel: tokens must be integer ids of shape (B, T), got {tokens.dtype}; {fix}")
        if tokens.dtype not in (torch.int64, torch.int32):  # uint8, int16...: ids all the same; nn.Embedding
            tokens = tokens.long()  # reads int64 and int32 only
        if tokens.dim() != 2:
            fix = ("add a batch dimension with tokens.unsqueeze(0)" if tokens.dim() < 2 else
                   "drop the last axis with tokens.squeeze(-1)" if tokens.dim() == 3 and tokens.shape[-1] == 1 else
                   "give one id per step of each sequence")
            raise ValueError(f"LanguageModel: tokens must have shape (B, T), got {tuple(tokens.shape)}; {fix}")
        if torch.compiler.is_exporting():  # torch.export cannot read the ids (its data-dependent error named no way
            if lengths is not None:  # on): padding past lengths, which may hold any id, is read as 0, as below
                lengths = check_lengths(lengths, *tokens.shape, tokens.device, "LanguageModel")
                tokens = tokens.masked_fill(~length_mask(lengths, tokens.shape[1]), 0)
        elif tokens.numel():  # once per call: on GPU an id out of range is a device-side assert, not an error
            lo, hi = int(tokens.min()), int(tokens.max())
            if lo < 0 or hi >= self.vocab_size:
                tokens = self._padding_outside_vocabulary(tokens, lengths, lo, hi)
        e = self.drop(self.embedding(tokens))  # (B, T, E)
        h, state = self.encoder(e, lengths, state)  # (B, T, H)
        return self.head(self.drop(h)), state

    def _padding_outside_vocabulary(self, tokens: Tensor, lengths, lo: int, hi: int) -> Tensor:
        """``tokens`` with 0 written over padding past ``lengths`` that holds ids outside the vocabulary (-1, -100:
        padding may hold anything, and is not read), or a ValueError naming the ids out of range."""
        where = ""
        if lengths is not None:
            lengths = check_lengths(lengths, *tokens.shape, tokens.device, "LanguageModel")
            valid = length_mask(lengths, tokens.shape[1])  # (B, T)
            outside = (tokens < 0) | (tokens >= self.vocab_size)
            if not bool((outside & valid).any()):
                return tokens.masked_fill(~valid, 0)  # embedded, never read into a state
            b, t = (int(i) for i in torch.nonzero(outside & valid)[0])
            where = f" (sequence {b}, step {t}: {int(tokens[b, t])}, within its length {int(lengths[b])})"
        elif lo < 0:  # -1 or -100 after each sequence, as a loss's ignore_index
            where = ("; negative ids as padding after each sequence? give lengths, each sequence's real tokens "
                     "(padding past them may hold any id)")
        raise ValueError(f"LanguageModel: token ids must be in [0, vocab_size={self.vocab_size}), got min {lo} and "
                         f"max {hi}{where}")

    def stream(self) -> GenerationStream:
        """A fresh streaming state (no context yet)."""
        return GenerationStream(self)

    @torch.no_grad()
    def generate(self, prompt: Tensor, max_new_tokens: int, *, lengths=None, temperature: float = 1.0,
                 top_k: int | None = None, generator: torch.Generator | None = None, exclude=None) -> Tensor:
        """Continue ``prompt`` (``(T0,)`` or ``(B, T0)``, ``T0 >= 1``; one id, a list or an array of ids too) by
        ``max_new_tokens`` sampled tokens; returns the prompt and the new tokens, ``(B, T0 + max_new_tokens)``
        (or 1-D for a prompt of one sequence). ``exclude``: ids never sampled (:func:`sample_next`): a
        vocabulary's ``<pad>``, ``<unk>`` and ``<bos>``, which a model trained on padded or encoded text gives some
        probability, would otherwise come out among the characters.

        Prompts of different lengths: pad them at the end into ``(B, T0)`` and give ``lengths`` ``(B,)``, each
        prompt's count of real tokens, as the layers take them. Each row continues from its own last real token,
        as it would alone, and row ``b`` of the result is its prompt, its ``max_new_tokens`` new tokens, then its
        padding (``lengths + max_new_tokens`` real tokens). Without ``lengths`` every id is read as context, padding
        too (warned of where rows look padded with id 0: runs of 0 at the ends, or starts, of some, none elsewhere).
        Hugging Face's ``generate`` takes an ``attention_mask`` instead and advises padding decoder-only
        transformers on the left; here a right-padded mask is ``lengths=attention_mask.sum(1)``, and a left-padded
        batch would be read from its first id, the padding too, into the recurrent state: pad at the end.

        The model generates in eval mode (no dropout: one seed, one text), its own mode restored after.
        """
        excluded_ids(exclude, self.vocab_size)  # before the prompt is read
        if not is_count(max_new_tokens, 0):
            raise ValueError(f"generate: max_new_tokens must be an integer >= 0, got {max_new_tokens!r}")
        prompt = torch.as_tensor(prompt, device=self.embedding.weight.device)  # as feed reads it
        prompt = prompt.reshape(1) if prompt.dim() == 0 else prompt  # one token
        one = prompt.dim() == 1
        if lengths is None and prompt.dim() == 2:
            hint = _padding_hint(prompt)
            if hint:
                warnings.warn(hint, stacklevel=3)  # the caller of torch.no_grad's wrapper
        if lengths is not None:
            if prompt.dim() != 2:
                raise ValueError(f"generate: lengths are for a batch of padded prompts (B, T0), but the prompt has "
                                 f"shape {tuple(prompt.shape)}; one prompt needs no lengths: pass its real tokens")
            lengths = check_lengths(lengths, *prompt.shape, prompt.device, "generate")
        with eval_mode(self):
            stream = self.stream()
            stream.feed(prompt, lengths)
            new = [stream.sample(temperature=temperature, top_k=top_k, generator=generator, exclude=exclude)
                   for _ in range(max_new_tokens)]
        new = torch.stack(new, dim=1) if new else prompt.new_zeros(stream.logits.shape[0], 0)  # (B, max_new_tokens)
        if one:
            return torch.cat([prompt, new[0]])
        if lengths is None:
            return torch.cat([prompt, new], dim=1)
        return torch.stack([torch.cat([p[:n], t, p[n:]]) for p, t, n in zip(prompt, new, lengths.tolist(),
                                                                              strict=True)])


class GenerationStream:
    """The running state of a :class:`LanguageModel` over a token stream: feed tokens, keep the state.

    ``feed(tokens)`` reads ``(T,)`` or ``(B, T)`` tokens after everything fed before and returns the logits of
    the next token ``(B, V)`` (``feed(tokens, lengths)``: rows padded at the end, each read to its length);
    ``sample(...)`` draws the next token from them and feeds it. The model is put in eval mode by neither
    (:meth:`LanguageModel.generate` does it): call ``model.eval()`` first for generation
    without dropout.
    """

    def __init__(self, model: LanguageModel):
        self.model = model
        self.state: State | None = None
        self.logits: Tensor | None = None  # (B, V) for the next token

    @torch.no_grad()
    def feed(self, tokens: Tensor | int, lengths=None) -> Tensor:
        """Read ``tokens`` ``(T,)`` or ``(B, T)``; the logits of each row's next token ``(B, V)``. ``lengths``
        ``(B,)``: rows padded at the end, each read to its length (its state and logits at its last real token)."""
        tokens = torch.as_tensor(tokens, device=self.model.embedding.weight.device)
        tokens = tokens.reshape(1, -1) if tokens.dim() < 2 else tokens  # (B, T)
        if tokens.shape[1] == 0:
            raise ValueError("feed needs at least one token")
        if self.state is not None and tokens.shape[0] != hidden_of(self.state).shape[0]:
            raise ValueError(f"feed: this stream holds {hidden_of(self.state).shape[0]} sequence(s), fed before, "
                             f"but got a batch of {tokens.shape[0]}; feed as many rows, or start anew with "
                             f"stream.reset() (or model.stream())")
        if lengths is not None:
            lengths = check_lengths(lengths, *tokens.shape, tokens.device, "feed", of="tokens")
        logits, self.state = self.model(tokens, lengths, self.state)  # (B, T, V); the state at each row's length
        self.logits = (logits[:, -1] if lengths is None else  # (B, V): each row's last real token's
                       logits[torch.arange(len(tokens), device=logits.device), lengths - 1])
        return self.logits

    def sample(self, *, temperature: float = 1.0, top_k: int | None = None,
               generator: torch.Generator | None = None, exclude=None) -> Tensor:
        """Draw the next token ``(B,)`` from the last logits (see :func:`sample_next`, and its ``exclude``) and
        feed it."""
        if self.logits is None:
            raise ValueError("feed at least one token before sampling")
        token = sample_next(self.logits, temperature=temperature, top_k=top_k, generator=generator, exclude=exclude)
        self.feed(token[:, None])
        return token

    def reset(self) -> None:
        self.state, self.logits = None, None
