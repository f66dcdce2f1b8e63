"""The charlm recipe (rnnkit.apps.charlm): one quick run on the King James Bible and Python source, and its parts."""

import json
import lzma
import math

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, recipe
from rnnkit.models import LanguageModel


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("charlm")
    return charlm.run(quick=True, seed=0, out=out, log=lambda message: None), out


def test_quick_run_structure(quick):
    results, _ = quick
    assert recipe("charlm") is charlm
    assert set(results) == {"recipe", "task", "data", "settings", "results", "samples", "machine"}
    for corpus in charlm.CORPORA:
        assert set(results["results"][corpus]) == {"lstm", "lstm_dynamic", "kneser_ney", "kneser_ney_adaptive",
                                                   "xz", "xz_primed"}
        dyn = results["results"][corpus]["lstm_dynamic"]
        # the step chosen is the one with the fewest validation bits ("0": the static model)
        assert dyn["validation_bpc"][str(dyn["lr"]) if dyn["lr"] else "0"] == min(dyn["validation_bpc"].values())
        assert set(dyn["validation_bpc"]) == {"0", *map(str, charlm.DYNAMIC["lrs"])}
        assert 0 < results["data"][corpus]["validation_chars"] <= charlm.QUICK["validation_chars"][corpus]
        assert results["data"][corpus]["test_chars"] <= charlm.QUICK["test_chars"][corpus]
        assert len(results["results"][corpus]["lstm"]["train_loss_per_epoch_bits"]) == 3
    assert json.loads(json.dumps(results)) == results


def test_quick_models_learn(quick):
    results, _ = quick
    for corpus in charlm.CORPORA:
        row, d = results["results"][corpus], results["data"][corpus]
        uniform = math.log2(d["alphabet"] + 4)
        # measured: quick LSTM 3.59 / 4.21 bpc (Bible / Python), 5-gram 2.07 / 3.30, uniform 6.11 / 6.58
        assert row["lstm"]["bpc"] < uniform - 1.5
        assert row["kneser_ney"]["bpc"] < uniform - 2.0
        curve = row["lstm"]["train_loss_per_epoch_bits"]
        assert curve[-1] < curve[0]
    bible = results["results"]["bible"]
    assert bible["kneser_ney"]["bpc"] < bible["xz"]["bpc"]  # 2.07 against 3.34 measured
    assert bible["xz_primed"]["bpc"] < bible["xz"]["bpc"]


def test_samples_at_each_temperature(quick):
    results, _ = quick
    for corpus in charlm.CORPORA:
        samples = results["samples"][corpus]
        assert list(samples) == [str(t) for t in charlm.TEMPERATURES]
        for text in samples.values():
            assert text.startswith(charlm.PROMPTS[corpus])
            assert len(text) >= len(charlm.PROMPTS[corpus]) + charlm.QUICK["sample_chars"] - 5  # <unk> may be kept
        assert len(set(samples.values())) > 1  # the temperature changes what is drawn


def test_out_writes_report_files(quick):
    results, out = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": charlm.title(results), "machine": results["machine"], "results": results}
    report = (out / "report.md").read_text()
    assert report.startswith("# Character-level language model (King James Bible, Python source) (quick run)\n")
    bpc = results["results"]["bible"]["lstm"]["bpc"]
    assert f"| LSTM, truncated BPTT | {bpc:.3f} |" in report
    assert "bible: 64 units" in report and "OneCycleLR" in report
    assert "temperature 0.5:" in report and "Machine:" in report
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fit_lstm_follows_the_one_cycle_schedule(monkeypatch):
    seen = []

    class Spy(torch.optim.lr_scheduler.OneCycleLR):
        def step(self, *args, **kwargs):
            super().step(*args, **kwargs)
            seen.append(self.get_last_lr()[0])

    monkeypatch.setattr(torch.optim.lr_scheduler, "OneCycleLR", Spy)
    ids = torch.randint(0, 5, (16 * 200 * 4 + 1,))  # 4 windows of 16 streams: 4 scheduler steps per epoch
    lstm = {"hidden_size": 8, "num_layers": 1, "dropout": 0.0, "embedding_size": 4, "epochs": 3, "lr": 5e-3,
            "lr_schedule": "onecycle"}
    charlm.fit_lstm(ids, 5, lstm, seed=0, device="cpu")
    assert len(seen) == 1 + 12  # the scheduler's own first step, then one per batch over all epochs
    assert seen[0] == pytest.approx(5e-3 / 25)  # starts low, rises to the peak, anneals far below it
    assert max(seen) == pytest.approx(5e-3, rel=0.2) and seen[-1] < 5e-3 / 20
    seen.clear()
    charlm.fit_lstm(ids, 5, dict(lstm, lr_schedule=None), seed=0, device="cpu")
    assert seen == []  # the constant rate uses no scheduler


def test_fit_lstm_builds_the_layers_and_dropout_it_is_given():
    ids = torch.randint(0, 5, (16 * 201,), generator=torch.Generator().manual_seed(0))
    lstm = {"hidden_size": 8, "num_layers": 2, "dropout": 0.5, "embedding_size": 4, "epochs": 1, "lr": 5e-3,
            "lr_schedule": None}
    model, history = charlm.fit_lstm(ids, 5, lstm, seed=0, device="cpu")
    assert (model.encoder.num_layers, model.encoder.hidden_size, model.encoder.dropout) == (2, 8, 0.5)
    assert model.drop.p == 0.5 and len(history) == 1
    # returned in eval mode: dropout is off, so scoring is deterministic (p = 0.5 would make two scores differ)
    assert not model.training
    assert charlm.stream_bits(model, ids[:500]) == charlm.stream_bits(model, ids[:500])
    assert charlm.model_size(lstm) == "2 layers of 8 units, dropout 0.5"
    assert charlm.model_size(dict(lstm, num_layers=1, dropout=0.0)) == "8 units"


def test_kneser_ney_sums_to_one_and_scores_what_it_predicts():
    rng = np.random.default_rng(0)
    V = 7
    text = np.concatenate([np.tile([1, 2, 3, 4], 50), rng.integers(0, 5, 400), [6, 1, 2]])  # symbol 0 is rare
    kn = charlm.KneserNey(5, V).fit(text)
    assert all(0 < d <= 1 for d in kn.discounts) and kn.discounts[-1] < 1
    contexts = [[1, 2, 3, 4], [4, 1, 2, 3], [6, 6, 6, 6], [0, 5, 5, 1], [2], [], [3, 3], [5, 6, 1]]
    for context in contexts:
        p = kn.probs(np.tile(context, (V, 1)).reshape(V, len(context)), np.arange(V))
        assert p.sum() == pytest.approx(1.0, abs=1e-12) and np.all(p > 0)
    # a seen pattern is confident, and more so than the unigram distribution
    p = kn.probs(np.array([[1, 2, 3, 4]]), np.array([1]))[0]
    assert p > 0.5
    # bits() is the mean of -log2 p over ids[1:], each from up to 4 symbols before it
    test = np.array([1, 2, 3, 4, 1, 2, 5, 0, 6, 3])
    manual = [-math.log2(kn.probs(test[None, max(0, i - 4):i], test[i:i + 1])[0]) for i in range(1, len(test))]
    assert kn.bits(test) == pytest.approx(np.mean(manual), rel=1e-12)


def test_kneser_ney_refuses_keys_that_overflow():
    with pytest.raises(ValueError, match="64-bit key"):
        charlm.KneserNey(5, 10_000)


def test_stream_bits_carries_the_state_across_pieces():
    torch.manual_seed(0)
    model = LanguageModel(11, 16, cell="lstm").eval()
    ids = torch.randint(0, 11, (300,))
    whole = charlm.stream_bits(model, ids, chunk=10_000)
    assert charlm.stream_bits(model, ids, chunk=7) == pytest.approx(whole, rel=1e-9)
    with torch.no_grad():  # by hand: one pass, mean -log2 p of ids[1:]
        logits, _ = model(ids[None, :-1])
        manual = torch.nn.functional.cross_entropy(logits[0].double(), ids[1:]) / math.log(2)
    assert whole == pytest.approx(float(manual), rel=1e-9)
    # pieces read from a fresh state each would score otherwise: the test can tell the difference
    fresh = sum(charlm.stream_bits(model, ids[s:s + 8]) * (len(ids[s:s + 8]) - 1) for s in range(0, 299, 7))
    assert abs(fresh / 299 - whole) > 1e-3


def test_dynamic_bits_scores_before_it_adapts():
    torch.manual_seed(0)
    model = LanguageModel(5, 16, embedding_size=4).eval()
    ids = torch.tensor([0, 1, 2, 3, 4] * 60)
    before = [p.detach().clone() for p in model.parameters()]
    static = charlm.stream_bits(model, ids)
    assert charlm.dynamic_bits(model, ids, lr=0.0, segment=17) == pytest.approx(static, rel=1e-6)
    # a repeating text: adapting to what was read makes the rest cheaper, by far on 300 characters
    assert charlm.dynamic_bits(model, ids, lr=2.0, segment=10) < static - 1.0  # measured: 0.91 against 2.36
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))  # model untouched
    # each segment is scored before its own step: the first segment's bits do not depend on the step size
    first = ids[:11]
    assert charlm.dynamic_bits(model, first, lr=100.0, segment=10) == pytest.approx(
        charlm.stream_bits(model, first), rel=1e-6)


def test_adaptive_kneser_ney_counts_the_test_text_read_so_far():
    rng = np.random.default_rng(0)
    V = 6
    train = rng.integers(0, V, 3000)
    phrase = rng.integers(0, V, 40)
    test = np.tile(phrase, 20)  # a phrase the training text has not seen, repeated
    static = charlm.KneserNey(5, V).fit(train).bits(test)
    adaptive = charlm.adaptive_kneser_ney_bits(train, test, 5, V, block=50)
    assert adaptive < static - 1.0  # the repeats are cheap once counted
    # one block: the model fitted on the training text and the test's first symbol, the same contexts as bits
    whole = charlm.adaptive_kneser_ney_bits(train, test, 5, V, block=len(test))
    assert whole == pytest.approx(charlm.KneserNey(5, V).fit(np.append(train, test[:1])).bits(test), rel=1e-12)
    # blocks cut anywhere score every symbol once with its full context
    kn = charlm.KneserNey(5, V).fit(train)
    assert kn.bits(test, start=7) * (len(test) - 7) + kn.bits(test[:7]) * 6 == pytest.approx(
        kn.bits(test) * (len(test) - 1), rel=1e-12)


def test_xz_bits():
    text = "In the beginning God created the heaven and the earth.\n" * 40
    assert charlm.xz_bits(text) == 8 * len(lzma.compress(text.encode(), format=lzma.FORMAT_XZ, preset=9)) / len(text)
    assert charlm.xz_bits(text, primer=text) < charlm.xz_bits(text)


def test_python_split_is_by_file():
    files = {f"pkg/mod{i}.py": f"x = {i}\n" for i in range(200)}
    train, validation, test, where = charlm.split_corpus("python", files, None, 10_000)
    test_files = [f for f in files if charlm.zlib.crc32(f.encode()) % 20 == 0]
    assert test_files and test == "\n".join(files[f] for f in test_files)
    assert validation == "" and train == "\n".join(files[f] for f in files if f not in test_files)  # in order
    assert str(len(test_files)) in where
    # the validation text: the training files' text just after the training text, never a test file's
    train2, validation2, test2, _ = charlm.split_corpus("python", files, 300, 10_000, 100)
    assert (train2, validation2, test2) == (train[:300], train[300:400], test)
    train3, validation3, _, _ = charlm.split_corpus("python", files, None, 10_000, 100)
    assert train3 + validation3 == train and len(validation3) == 100


def test_bible_split_is_the_end_from_a_line_start():
    text = "".join(f"  {i} line {i}\n" for i in range(1000))
    train, validation, test, _ = charlm.split_corpus("bible", text, 500, 300)
    assert validation == "" and train + test == text[-len(train + test):] and text.endswith(test)
    assert test.startswith("  ") and len(test) <= 300 and len(train) == 500
    # a validation text: the lines just before the test text, out of the training text
    train2, validation2, test2, _ = charlm.split_corpus("bible", text, 500, 300, 200)
    assert test2 == test and text.endswith(train2 + validation2 + test2)
    assert validation2.startswith("  ") and len(validation2) <= 200 and len(train2) == 500


def test_missing_bible_reader_is_one_line_naming_the_install_script(monkeypatch):
    monkeypatch.setattr(charlm.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"scripts/install_debs\.sh") as info:
        charlm.run(quick=True, log=lambda message: None)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs, match", [
    ({"quick": 1}, "quick must be True or False"),
    ({"seed": 2.5}, "seed must be an integer"),
    ({"out": 3}, "out must be a directory path"),
    ({"log": None}, "log must be callable"),
])
def test_bad_argument_raises_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        charlm.run(**kwargs)


def test_dynamic_row_chooses_its_step_on_validation_or_takes_the_one_given():
    torch.manual_seed(0)
    model = LanguageModel(5, 16, embedding_size=4).eval()
    ids = torch.tensor([0, 1, 2, 3, 4] * 30)
    chosen = charlm.dynamic_row(model, ids, ids, log=lambda m: None)
    assert chosen["validation_bpc"][str(chosen["lr"])] == min(chosen["validation_bpc"].values())
    assert chosen["lr"] == max(charlm.DYNAMIC["lrs"])  # a repeating text: the largest step learns it fastest
    given = charlm.dynamic_row(model, ids[:0], ids, lr=0.01, log=lambda m: None)
    assert given["lr"] == 0.01 and given["validation_bpc"] is None
    assert given["bpc"] == charlm.dynamic_bits(model, ids, lr=0.01, segment=charlm.DYNAMIC["segment"])
    with pytest.raises(ValueError, match="needs a validation text"):
        charlm.dynamic_row(model, ids[:0], ids, log=lambda m: None)
