"""Training: truncated BPTT against a per-sequence hand computation, clipping, the non-finite guard, exact
resumption, early stopping, stateful streams, and small tasks learned end to end."""

import copy
import csv

import pytest
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader

from rnnkit.models import EncoderDecoder, LanguageModel, SequenceToLabel, SequenceToSequence
from rnnkit.training import (
    NonFiniteGradientError,
    NonFiniteLossError,
    SequenceDataModule,
    SequenceDataset,
    SequenceModule,
    TokenStreams,
    clip_gradients,
    detach_state,
    make_trainer,
    quiet_lightning,
    time_chunks,
)
from rnnkit.training.data import Batch
from rnnkit.training.trainer import auto_precision


class GradientRecorder(Callback):
    """The gradients (after clipping) and parameters just before every optimizer step."""

    def __init__(self):
        self.grads = []

    def on_before_optimizer_step(self, trainer, module, optimizer):
        self.grads.append([p.grad.detach().clone() for p in module.parameters()])


def fit(module, data, *, epochs=1, callbacks=(), ckpt_path=None, **kwargs):
    trainer = make_trainer(max_epochs=epochs, device="cpu", callbacks=list(callbacks), **kwargs)
    with quiet_lightning():
        trainer.fit(module, datamodule=data, ckpt_path=ckpt_path, weights_only=True)
    return trainer


# -- truncated BPTT ------------------------------------------------------------------------------------------
def reference_tbptt(model, x, lengths, y, k, *, target, lr, clip):
    """Truncated BPTT by hand, one sequence at a time (batch of 1, no lengths, no masking): chunk c of
    sequence b starts from b's detached state after chunk c-1; one AdamW step per chunk on the mean squared
    error of the targets due in the chunk (every valid step, or the label of a sequence ending there)."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    states = [None] * len(x)
    grads = []
    for start in range(0, x.shape[1], k):
        outs, targets, new_states = [], [], list(states)
        for b, L in enumerate(lengths.tolist()):
            if L <= start:
                continue
            stop = min(start + k, L)
            out, new_states[b] = model(x[b : b + 1, start:stop], None, states[b])
            if target == "step":
                outs.append(out[0])
                targets.append(y[b, start:stop])
            elif L <= start + k:
                outs.append(out)
                targets.append(y[b : b + 1])
        if outs:
            loss = F.mse_loss(torch.cat(outs), torch.cat(targets))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            grads.append([p.grad.clone() for p in model.parameters()])
            opt.step()
        states = [None if s is None else detach_state(s) for s in new_states]
    return grads


@pytest.mark.parametrize("target, lengths, k, n_steps", [
    ("step", [9, 3, 7, 5], 3, 3),
    ("label", [9, 8, 7, 2], 3, 2),  # no sequence ends in chunk [3, 6): no step there
    ("label", [9, 8, 7, 2], None, 1),  # full BPTT: one step per batch
    ("step", [9, 3, 7, 5], 4, 3),
])
def test_truncated_bptt_equals_a_per_sequence_hand_computation(target, lengths, k, n_steps):
    torch.manual_seed(0)
    B, T, F_, O = 4, 9, 3, 2
    x = torch.randn(B, T, F_, dtype=torch.float64)
    lengths = torch.tensor(lengths)
    y = torch.randn(B, T, O, dtype=torch.float64) if target == "step" else torch.randn(B, O).double()
    make = SequenceToSequence if target == "step" else SequenceToLabel
    model = make(F_, 5, O, cell="lstm" if target == "step" else "gru").double()
    reference = copy.deepcopy(model)

    module = SequenceModule(model, task="regression", lr=0.05, clip_grad_norm=0.5, tbptt_steps=k)
    data = SequenceDataModule(SequenceDataset(x, lengths, y, y_per_step=target == "step"), batch_size=B,
                              shuffle=False)
    recorder = GradientRecorder()
    trainer = fit(module, data, callbacks=[recorder])

    expected = reference_tbptt(reference, x, lengths, y, k or T, target=target, lr=0.05, clip=0.5)
    assert trainer.global_step == len(expected) == n_steps
    for got, want in zip(recorder.grads, expected, strict=True):
        for g, w in zip(got, want, strict=True):
            torch.testing.assert_close(g, w, rtol=1e-9, atol=1e-11)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-11)


def test_time_chunks_leave_out_ended_sequences():
    x = torch.randn(3, 7, 2)
    batch = Batch(x, torch.tensor([7, 2, 4]), torch.tensor([0, 1, 0]))
    chunks = list(time_chunks(batch, 3, per_step=False))
    assert [(c.start, c.stop) for c in chunks] == [(0, 3), (3, 6), (6, 7)]
    assert chunks[0].rows is None and chunks[0].lengths.tolist() == [3, 2, 3]
    assert chunks[0].ends.tolist() == [False, True, False]
    assert chunks[1].rows.tolist() == [0, 2] and chunks[1].lengths.tolist() == [3, 1]
    assert chunks[1].ends.tolist() == [False, True]
    assert chunks[2].rows.tolist() == [0] and torch.equal(chunks[2].x, x[[0], 6:7])


def test_training_options_are_checked():
    model = SequenceToLabel(2, 4, 2)
    for kwargs, message in [
        (dict(tbptt_steps=0), "tbptt_steps must be an integer >= 1"),
        (dict(tbptt_steps=2.5), "tbptt_steps must be an integer >= 1"),
        (dict(clip_grad_value=0.1), "not both"),
        (dict(task="ranking"), "task must be one of"),
        (dict(lr=0), "lr must be a finite number > 0"),
        (dict(lr="0.1"), "lr must be a finite number > 0, got '0.1'"),
        (dict(lr=float("inf")), "lr must be a finite number > 0"),
        (dict(lr=True), "lr must be a finite number > 0, got True"),
        (dict(weight_decay="a"), "weight_decay must be a finite number >= 0"),
        (dict(weight_decay=float("nan")), "weight_decay must be a finite number >= 0"),
        (dict(clip_grad_norm="1"), "clip_grad_norm must be a number > 0 or None, got '1'"),
        (dict(clip_grad_norm=float("nan")), "clip_grad_norm must be a number > 0 or None"),
    ]:
        with pytest.raises(ValueError, match=message):
            SequenceModule(model, **kwargs)
    with pytest.raises(ValueError, match="unidirectional"):
        SequenceModule(SequenceToLabel(2, 4, 2, bidirectional=True), tbptt_steps=3)
    with pytest.raises(ValueError, match="pooling"):
        SequenceModule(SequenceToLabel(2, 4, 2, pooling="mean"), tbptt_steps=3)
    with pytest.raises(ValueError, match="EncoderDecoder"):
        SequenceModule(EncoderDecoder(2, 4, 3), tbptt_steps=3)


# -- clipping ------------------------------------------------------------------------------------------------
def test_clip_gradients_returns_the_pre_clip_norm_and_clips():
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    assert clip_gradients([a, b], max_norm=1.0, max_value=None).item() == pytest.approx(5.0)
    torch.testing.assert_close(torch.cat([a.grad, b.grad]), torch.tensor([0.6, 0.0, 0.8]), atol=1e-6, rtol=0)
    a.grad, b.grad = torch.tensor([3.0, -0.5]), torch.tensor([-4.0])
    assert clip_gradients([a, b], max_norm=None, max_value=1.0).item() == pytest.approx(25.25 ** 0.5)
    assert torch.equal(torch.cat([a.grad, b.grad]), torch.tensor([1.0, -0.5, -1.0]))
    # fp16 AMP: gradients still carry the loss scale; the norm and the clipped result are the unscaled ones
    a.grad, b.grad = torch.tensor([3.0, 0.0]) * 1024, torch.tensor([4.0]) * 1024
    assert clip_gradients([a, b], max_norm=1.0, max_value=None, scale=1024.0).item() == pytest.approx(5.0)
    clipped = torch.cat([a.grad, b.grad]) / 1024
    torch.testing.assert_close(clipped, torch.tensor([0.6, 0.0, 0.8]), atol=1e-6, rtol=0)


def label_data(n=32, T=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, T, 2, generator=g)
    lengths = torch.randint(2, T + 1, (n,), generator=g)
    valid = torch.arange(T)[None] < lengths[:, None]
    y = ((x[..., 0] * valid).sum(1) > 0).long()
    return SequenceDataset(x, lengths, y)


def test_the_pre_clip_gradient_norm_is_logged_every_step_to_csv_and_tensorboard(tmp_path):
    module = SequenceModule(SequenceToLabel(2, 8, 2), clip_grad_norm=1e-3)
    post_clip = []

    class PostClip(Callback):
        def on_before_optimizer_step(self, trainer, module, optimizer):
            post_clip.append(torch.nn.utils.get_total_norm([p.grad for p in module.parameters()]).item())

    trainer = fit(module, SequenceDataModule(label_data(), label_data(16, seed=1), batch_size=8), epochs=2,
                  callbacks=[PostClip()], log_dir=tmp_path)
    rows = list(csv.DictReader(open(next((tmp_path / "csv").rglob("metrics.csv")))))
    logged = [float(r["grad_norm"]) for r in rows if r.get("grad_norm")]
    assert len(logged) == trainer.global_step == 8
    assert min(logged) > 0.01  # the norm before clipping ...
    assert max(post_clip) == pytest.approx(1e-3, rel=1e-3)  # ... which was then clipped to 1e-3
    assert any(r.get("val_loss") for r in rows) and any(r.get("train_loss_step") for r in rows)
    assert list((tmp_path / "tensorboard").rglob("events.out.tfevents.*"))
    assert (tmp_path / "checkpoints" / "last.ckpt").exists()


def test_precision_is_mixed_on_gpu_only(monkeypatch):
    assert auto_precision("cpu") == "32-true"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert auto_precision("cuda") == "bf16-mixed"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert auto_precision("cuda") == "16-mixed"


# -- non-finite guard ----------------------------------------------------------------------------------------
def test_a_nan_loss_stops_training_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    data = label_data(16)
    module = SequenceModule(SequenceToLabel(2, 8, 2), lr=1e-2)

    class Poison(Callback):
        def on_train_epoch_start(self, trainer, module):
            if trainer.current_epoch == 1:
                data.x[0, 0, 0] = float("nan")

    message = r"non-finite loss \(nan\) at optimizer step 2 \(epoch 1, batch 0"
    with pytest.raises(NonFiniteLossError, match=message) as info:
        fit(module, SequenceDataModule(data, batch_size=8, shuffle=False), epochs=3, callbacks=[Poison()],
            log_dir=tmp_path)
    assert info.value.step == 2
    assert info.value.checkpoint == str(tmp_path / "checkpoints" / "last.ckpt")
    assert "last good checkpoint" in str(info.value)
    saved = torch.load(info.value.checkpoint, weights_only=True)["state_dict"]
    assert saved.keys() == module.state_dict().keys()
    for name, value in module.state_dict().items():  # the bad step was never applied
        assert torch.isfinite(value).all()
        torch.testing.assert_close(saved[name], value)


def test_a_nan_gradient_stops_training_before_the_step():
    model = SequenceToLabel(2, 8, 2)
    model.head.linear.bias.register_hook(lambda g: g * float("nan"))
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(NonFiniteGradientError, match="non-finite gradient norm .* at optimizer step 0") as e:
        fit(SequenceModule(model), SequenceDataModule(label_data(8), batch_size=8))
    assert e.value.checkpoint is None
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name])


# -- resumption and early stopping ---------------------------------------------------------------------------
def test_resuming_from_a_checkpoint_continues_the_same_loss_trajectory(tmp_path):
    train, val = label_data(24), label_data(8, seed=1)

    def run(log_dir, epochs, ckpt_path=None):
        torch.manual_seed(0)
        model = SequenceToLabel(2, 8, 2, num_layers=2, dropout=0.3)  # dropout: the RNG must resume too
        module = SequenceModule(model, lr=1e-2)
        fit(module, SequenceDataModule(train, val, batch_size=8, seed=5), epochs=epochs, ckpt_path=ckpt_path,
            log_dir=log_dir, early_stopping_patience=50)
        return module

    full = run(tmp_path / "full", 5)
    run(tmp_path / "part", 2)
    torch.manual_seed(123)  # whatever the caller's RNG holds, the checkpoint's is restored
    resumed = run(tmp_path / "part", 5, ckpt_path=tmp_path / "part" / "checkpoints" / "last.ckpt")
    assert len(full.history["train_loss"]) == 5
    assert resumed.history == full.history
    for p, q in zip(resumed.parameters(), full.parameters(), strict=True):
        assert torch.equal(p, q)


def test_early_stopping_restores_the_best_weights():
    g = torch.Generator().manual_seed(0)
    noise = SequenceDataset(torch.randn(16, 5, 2, generator=g), torch.full((16,), 5),
                            torch.randint(0, 2, (16,), generator=g))  # random labels: val loss soon rises
    val = SequenceDataset(torch.randn(16, 5, 2, generator=g), torch.full((16,), 5),
                          torch.randint(0, 2, (16,), generator=g))
    module = SequenceModule(SequenceToLabel(2, 32, 2), lr=3e-2)
    data = SequenceDataModule(noise, val, batch_size=4)
    trainer = fit(module, data, epochs=40, early_stopping_patience=2)
    curve = module.history["val_loss"]
    assert len(curve) < 40 and min(curve) < curve[-1]
    with quiet_lightning():
        (metrics,) = trainer.validate(module, datamodule=data, verbose=False)
    assert metrics["val_loss"] == pytest.approx(min(curve), rel=1e-6)


# -- language models: stateful streams -----------------------------------------------------------------------
def test_stateful_training_carries_the_detached_state_from_batch_to_batch():
    lm = LanguageModel(6, 8, cell="gru")
    seen = []
    forward = lm.forward

    def spy(tokens, lengths=None, state=None):
        out, new = forward(tokens, lengths, state)
        seen.append((state, new.detach().clone()))
        return out, new

    lm.forward = spy
    streams = TokenStreams(torch.arange(66) % 6, batch_size=2, window=4)  # 2 streams of 33: 8 windows
    module = SequenceModule(lm, stateful=True, tbptt_steps=2)
    trainer = make_trainer(max_epochs=2, device="cpu")
    with quiet_lightning():
        trainer.fit(module, train_dataloaders=DataLoader(streams, batch_size=None))
    assert len(streams) == 8 and len(seen) == 2 * 8 * 2  # epochs x windows x chunks
    for i, (state_in, _) in enumerate(seen):
        if i % 16 == 0:
            assert state_in is None  # a new epoch starts afresh
        else:
            assert not state_in.requires_grad
            torch.testing.assert_close(state_in, seen[i - 1][1])


def test_a_language_model_learns_a_periodic_stream_and_continues_it():
    torch.manual_seed(0)
    period = torch.tensor([0, 1, 2, 1, 3, 4, 0, 2, 4, 3])  # the next token depends on more than the last
    streams = TokenStreams(period.repeat(40), batch_size=4, window=10)
    lm = LanguageModel(5, 32, cell="lstm")
    module = SequenceModule(lm, lr=2e-2, stateful=True)
    trainer = make_trainer(max_epochs=12, device="cpu")
    with quiet_lightning():
        trainer.fit(module, train_dataloaders=DataLoader(streams, batch_size=None))
    out = lm.eval().generate(period[:4], 16, temperature=0)
    assert torch.equal(out, period.repeat(2)[:20])


def test_an_encoder_decoder_learns_outputs_of_another_length():
    """Read 3 to 6 symbols, write the first and the last one (2 steps)."""
    torch.manual_seed(0)
    n, T, V = 256, 6, 4
    tokens = torch.randint(0, V, (n, T))
    lengths = torch.randint(3, T + 1, (n,))
    x = F.one_hot(tokens, V).float()
    y = torch.stack([tokens[:, 0], tokens[torch.arange(n), lengths - 1]], dim=1)
    data = SequenceDataset(x, lengths, y, y_lengths=torch.full((n,), 2))
    model = EncoderDecoder(V, 32, V, cell="gru")
    module = SequenceModule(model, lr=2e-2)
    fit(module, SequenceDataModule(data, batch_size=32), epochs=12)
    decoded = model.eval().generate(x, lengths, max_length=2)
    assert (decoded == y).float().mean() > 0.95
