"""The twenty-third round's leftovers (J23-01 … 08): JSON files of numpy numbers, NaN and keys JSON cannot tell
apart, mean ± sd of text, WAV files of nothing, states as torch.nn gives them and a report's machine, given what a
new user gives them."""

import json
import math

import numpy as np
import pytest
import torch
from helpers import one_line
from torch import nn
from torch.utils.data import DataLoader

from rnnkit import LSTMState
from rnnkit.cells.base import map_state, replace_hidden
from rnnkit.data import write_json, write_wav
from rnnkit.data.audio import read_wav, resample_wave
from rnnkit.report import format_mean_sd, format_stat, mean_sd, write_report
from rnnkit.training import SequenceDataset, SequenceModule, detach_state, make_trainer


# -- J23-01: numpy numbers and NaN in a JSON file ----------------------------------------------------------------
def test_J23_01_write_json_writes_numpy_numbers_as_python_and_nan_as_null(tmp_path):
    path = tmp_path / "m.json"
    # before: TypeError: Object of type float32 is not JSON serializable (ndarray for the 0-d array)
    write_json(path, {"acc": np.float32(0.5), "n": np.int64(3), "r2": np.array(0.25), "ok": np.bool_(True),
                      "curve": np.arange(3.0), "loss": float("nan"), "best": [1.0, -math.inf]})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text  # before: NaN and -Infinity, refused by strict readers
    record = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert record == {"acc": 0.5, "n": 3, "r2": 0.25, "ok": True, "curve": [0.0, 1.0, 2.0], "loss": None,
                      "best": [1.0, None]}
    assert type(record["n"]) is int
    with pytest.raises(TypeError) as e:  # what JSON cannot hold is named where it is, and nothing is written
        write_json(tmp_path / "t.json", {"runs": [{"loss": torch.tensor(0.5)}]})
    assert one_line(e) == ("write_json: Tensor in obj is not JSON (at obj['runs'][0]['loss']); give numbers, strings, "
                           "lists and dicts (a tensor: .item() for one number, .tolist() for more)")
    assert not (tmp_path / "t.json").exists()
    # write_report goes through the same conversion: numpy numbers plain, NaN as null
    write_report(tmp_path / "rep", title="t", results={"a": np.float32(0.5), "b": np.nan}, markdown="x")
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["results"] == {"a": 0.5, "b": None}


# -- J23-02: mean ± sd of text ----------------------------------------------------------------------------------
def test_J23_02_mean_sd_refuses_what_is_no_number_naming_its_position():
    with pytest.raises(ValueError) as e:  # before: (1.5, 0.707...): text read as numbers
        mean_sd([0.5, "2"])
    assert one_line(e) == ("mean_sd: values[1] is the str '2', not a number; give one number per run (numbers written "
                           "as text: convert them first, e.g. [float(v) for v in values])")
    with pytest.raises(ValueError) as e:  # before: (1.5, 0.707...): its characters read as two runs
        format_mean_sd("12")
    assert one_line(e) == ("mean_sd: values must be numbers, one per run (a list or 1-D array), got the str '12'; "
                           "convert the text first (e.g. [float(v) for v in text.split()])")
    with pytest.raises(ValueError, match=r"^mean_sd: values\[1\] is None, not a number; .*leave it out, or give nan"):
        mean_sd([0.9, None])  # before: float() argument must be a string or a real number, not 'NoneType'
    with pytest.raises(ValueError, match=r"^mean_sd: values is a dict, .*pass list\(values.values\(\)\)$"):
        mean_sd({"seed0": 0.9, "seed1": 0.8})  # before: could not convert string to float: 'seed0'
    with pytest.raises(ValueError, match=r"^mean_sd: values\[0\] is a numpy array of shape \(2,\), not a number"):
        mean_sd(np.ones((3, 2)))  # before: only 0-dimensional arrays can be converted to Python scalars
    with pytest.raises(ValueError, match=r"^mean_sd: values must be .* got the float 0.9; pass \[0.9\] for one run$"):
        mean_sd(0.9)  # before: 'float' object is not iterable
    # numbers of every kind still pass: numpy's, tensors', bools (as numpy's mean counts them)
    assert mean_sd(np.array([1.0, 3.0])) == mean_sd(torch.tensor([1.0, 3.0])) == mean_sd([np.float32(1), 3]) == (2.0,
                                                                                                            2 ** 0.5)
    assert mean_sd([True, False])[0] == 0.5


# -- J23-03: a WAV file of nothing ------------------------------------------------------------------------------
def test_J23_03_write_wav_refuses_a_wave_read_wav_would_refuse(tmp_path):
    with pytest.raises(ValueError) as e:  # before: written, then read_wav: "... has no samples; remove empty ..."
        write_wav(tmp_path / "e.wav", np.zeros(0, np.float32), 16000)
    assert one_line(e) == ("write_wav: wave has no samples (shape (0,)), and read_wav refuses such a file (no feature "
                           "frame comes from it); drop the empty clip (speech synthesised from empty text, a cut past "
                           "the end) or give at least one sample")
    assert not (tmp_path / "e.wav").exists()
    with pytest.raises(ValueError, match=r"^write_wav: wave has no samples \(shape \(0, 2\)\)"):
        write_wav(tmp_path / "e.wav", np.zeros((0, 2)), 16000)  # before: "for channels first (C, N) pass wave.T"
    with pytest.raises(ValueError, match=r"^write_wav: wave has no channels \(shape \(10, 0\)\); a WAV file holds"):
        write_wav(tmp_path / "e.wav", np.zeros((10, 0)), 16000)  # before: ZeroDivisionError from scipy
    write_wav(tmp_path / "one.wav", np.array([0.5]), 16000)  # one sample is a recording: written and read back
    wave, rate = read_wav(tmp_path / "one.wav")
    assert rate == 16000 and wave.shape == (1,) and abs(wave[0].item() - 0.5) < 1e-4


# -- J23-04: torch.nn's (h, c) tuple and lists of states ---------------------------------------------------------
class TorchLSTMModel(nn.Module):
    """A model of one's own around torch.nn.LSTM: its state is torch.nn's plain (h, c) tuple."""

    target = "label"

    def __init__(self):
        super().__init__()
        self.rnn, self.head = nn.LSTM(2, 3, batch_first=True), nn.Linear(3, 2)

    def forward(self, x, lengths=None, state=None):
        h0 = None if state is None else tuple(s[None].contiguous() for s in state)
        out, (h, c) = self.rnn(x, h0)
        return self.head(out[:, -1]), (h[0], c[0])


def test_J23_04_map_state_walks_plain_tuples_and_lists_as_torch_nn_gives_them():
    h, c = torch.arange(6.0).view(2, 3), -torch.arange(6.0).view(2, 3)
    first = map_state(lambda s: s[:1], (h, c))  # before: TypeError: tuple expected at most 1 argument, got 2
    assert type(first) is tuple and torch.equal(first[0], h[:1]) and torch.equal(first[1], c[:1])
    layers = map_state(lambda s: s[:1], [LSTMState(h, c), LSTMState(c, h)])  # one state per layer
    assert type(layers) is list and type(layers[1]) is LSTMState and torch.equal(layers[1].c, h[:1])
    one = map_state(lambda s: s[:1], [h])  # before: [tensor([0., 1., 2.])], the rows of h[:1], silently
    assert type(one) is list and len(one) == 1 and one[0].shape == (1, 3)
    with pytest.raises(ValueError) as e:  # before: the tensor's rows zipped with the fields, silently
        map_state(torch.add, LSTMState(h, c), h)
    assert one_line(e) == ("map_state: the states have other structures: LSTMState of 2 and Tensor; give states of "
                           "one structure (the same fields, in one order)")
    assert type(replace_hidden((h, c), c)) is tuple  # before: 'tuple' object has no attribute '_replace'
    assert type(detach_state([LSTMState(h, c)])[0]) is LSTMState
    # what a user hits: truncated BPTT over sequences of unequal lengths, with a torch.nn.LSTM model
    torch.manual_seed(0)
    data = SequenceDataset(torch.randn(4, 6, 2), torch.tensor([6, 2, 5, 3]), torch.tensor([0, 1, 0, 1]))
    module = SequenceModule(TorchLSTMModel(), tbptt_steps=2)
    make_trainer(max_epochs=1, device="cpu").fit(module, DataLoader(data, batch_size=4, collate_fn=data.batch))
    assert len(module.history["train_loss"]) == 1 and math.isfinite(module.history["train_loss"][0])


# -- J23-05: format_stat of a negative sd or of text -------------------------------------------------------------
def test_J23_05_format_stat_refuses_a_negative_sd_and_text():
    with pytest.raises(ValueError) as e:  # before: '0.9 ± -0.1'
        format_stat(0.9, -0.1)
    assert one_line(e) == ("format_stat: sd must be a standard deviation, a number >= 0 (nan or None for one run), "
                           "got the float -0.1")
    with pytest.raises(ValueError) as e:  # before: TypeError: bad operand type for abs(): 'str'
        format_stat("0.9", 0.1)
    assert one_line(e) == "format_stat: mean must be a number, got the str '0.9'; convert it first: float(mean)"
    assert format_stat(0.9, None) == format_stat(0.9, math.nan) == "0.9 (n = 1)"
    assert format_stat(np.float32(0.5), torch.tensor(0.25)) == "0.5 ± 0.25"


# -- J23-06: a bfloat16 wave ------------------------------------------------------------------------------------
def test_J23_06_a_bfloat16_wave_is_written_and_resampled(tmp_path):
    wave = torch.linspace(-0.5, 0.5, 64).bfloat16()  # a model's output under autocast
    write_wav(tmp_path / "b.wav", wave, 8000)  # before: TypeError: Got unsupported ScalarType BFloat16
    back, _ = read_wav(tmp_path / "b.wav")
    assert (back - wave.float()).abs().max() < 1e-4
    assert resample_wave(wave, 8000, 4000).shape == (32,)  # before: the same TypeError


# -- J23-07: keys JSON cannot tell apart or hold -----------------------------------------------------------------
def test_J23_07_json_keys_written_alike_or_of_no_json_type_are_refused(tmp_path):
    with pytest.raises(ValueError) as e:  # before: {"1": 3, "1": 4} written: a reader keeps one
        write_json(tmp_path / "k.json", {"by_seed": {1: 3.0, "1": 4.0}})
    assert one_line(e) == ("write_json: obj['by_seed'] has the keys 1 and '1', which JSON writes alike ('1'), so one "
                           "would be lost; give the keys one type (e.g. all str)")
    with pytest.raises(TypeError) as e:  # before: keys must be str, int, float, bool or None, not tuple
        write_json(tmp_path / "k.json", {"runs": {(128, 0): 0.9}})
    assert one_line(e) == ("write_json: obj['runs'] has the key (128, 0), a tuple, which JSON cannot hold (its keys "
                           "are text); give str keys (e.g. '128,0')")
    with pytest.raises(TypeError, match=r"^write_report: results has the key \(128, 0\), a tuple"):
        write_report(tmp_path / "r", title="t", results={(128, 0): 0.9}, markdown="x")  # before: "(128, 0)"
    assert not (tmp_path / "k.json").exists() and not (tmp_path / "r").exists()
    write_json(tmp_path / "k.json", {1: "a", 2.5: "b", np.int64(3): "c", False: "d", None: "e"})  # as json writes keys
    assert json.loads((tmp_path / "k.json").read_text()) == {"1": "a", "2.5": "b", "3": "c", "false": "d", "null": "e"}


# -- J23-08: a report's machine of one's own ---------------------------------------------------------------------
def test_J23_08_write_report_names_what_machine_info_lacks(tmp_path):
    with pytest.raises(ValueError) as e:  # before: KeyError: 'platform', from the page's machine line
        write_report(tmp_path / "r", title="t", results={"a": 1}, markdown="x", machine_info={"gpu": "A100"})
    assert one_line(e) == ("write_report: machine_info lacks 'platform', 'torch', 'lightning', which the page's "
                           "machine line reads; pass rnnkit.report.machine(device) run where the numbers were measured "
                           "(or add those keys to it)")
    with pytest.raises(ValueError, match=r"^write_report: machine_info must be the dict of .* got str$"):
        write_report(tmp_path / "r", title="t", results={}, markdown="x", machine_info="cuda")  # before: AttributeError
    assert not (tmp_path / "r").exists()


def test_J23_09_the_command_line_prints_metrics_as_strict_json_as_it_writes_them(capsys):
    """rnnkit evaluate printed NaN metrics as the bare `NaN` that strict JSON readers refuse, while --out wrote
    null; train wrote `NaN` into metrics.json. One conversion for what is printed and written."""
    import json

    import numpy as np

    from rnnkit.cli import _json_text

    text = _json_text({"r2": float("nan"), "n": np.int64(3), "best": np.float32(0.5)}, "metrics", "rnnkit evaluate")
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}")) == \
        {"r2": None, "n": 3, "best": 0.5}


class LayeredGRU(nn.Module):
    """A model of one's own whose state is a list of per-layer rnnkit states (batch-first)."""

    target = "step"

    def __init__(self):
        super().__init__()
        self.cells = nn.ModuleList([nn.GRUCell(2, 3), nn.GRUCell(3, 3)])
        self.head = nn.Linear(3, 2)

    def forward(self, x, lengths=None, state=None):
        hs = [torch.zeros(len(x), 3) for _ in self.cells] if state is None else [s.h for s in state]
        out = []
        for t in range(x.shape[1]):
            inp = x[:, t]
            for j, cell in enumerate(self.cells):
                hs[j] = inp = cell(inp, hs[j])
            out.append(inp)
        return self.head(torch.stack(out, 1)), [LSTMState(h, h) for h in hs]


def test_J23_10_stateful_training_reads_the_rows_of_a_state_given_per_layer():
    """stateful=True with a model whose state is a list of per-layer states: the check of the batch size read
    state[0].shape, which a NamedTuple has not (before: AttributeError: 'LSTMState' object has no attribute 'shape')."""
    torch.manual_seed(0)
    x = torch.randn(2, 8, 2)
    data = SequenceDataset(x, torch.tensor([8, 8]), torch.randint(0, 2, (2, 8)), y_per_step=True)
    module = SequenceModule(LayeredGRU(), tbptt_steps=4, stateful=True)
    loader = DataLoader(data, batch_size=2, collate_fn=data.batch)
    make_trainer(max_epochs=2, device="cpu").fit(module, loader)
    assert len(module.history["train_loss"]) == 2 and all(math.isfinite(v) for v in module.history["train_loss"])


class RawTorchLSTM(nn.Module):
    """A model of one's own that hands torch.nn.LSTM's (h, c) back as torch.nn gives it: (num_layers, B, H)."""

    target = "label"

    def __init__(self):
        super().__init__()
        self.rnn, self.head = nn.LSTM(2, 3, batch_first=True), nn.Linear(3, 2)

    def forward(self, x, lengths=None, state=None):
        out, state = self.rnn(x, state)
        return self.head(out[:, -1]), state


def test_J23_11_a_state_of_layers_first_is_named_where_rows_are_carried():
    """Truncated BPTT over unequal lengths (rows left out of a chunk) and stateful training carry each sequence's
    state by its row, so a state must be batch-first; torch.nn's (num_layers, B, H) was indexed by layer (before:
    IndexError deep in the loop, or 'stateful training needs every batch to have the same size; got 4 after 1')."""
    torch.manual_seed(0)
    data = SequenceDataset(torch.randn(4, 6, 2), torch.tensor([6, 2, 5, 3]), torch.tensor([0, 1, 0, 1]))
    loader = DataLoader(data, batch_size=4, collate_fn=data.batch)
    with pytest.raises(ValueError) as e:
        make_trainer(max_epochs=1, device="cpu").fit(SequenceModule(RawTorchLSTM(), tbptt_steps=2), loader)
    assert one_line(e).startswith("the model returned a state of 1 rows for a batch of 4 sequences: the model's "
                                  "state is not batch-first")
    equal = SequenceDataset(torch.randn(4, 6, 2), torch.tensor([6, 6, 6, 6]), torch.tensor([0, 1, 0, 1]))
    module = SequenceModule(RawTorchLSTM(), tbptt_steps=2)  # equal lengths: no row is carried alone, it trains
    make_trainer(max_epochs=1, device="cpu").fit(module, DataLoader(equal, batch_size=4, collate_fn=equal.batch))
    assert math.isfinite(module.history["train_loss"][0])
