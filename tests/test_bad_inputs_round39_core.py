"""Round 39, the core: an Ensemble given members of other options, dtypes, one network repeated or what is no
network, and a stacked layer's hooked cell warned of once per call."""

import warnings

import pytest
import torch

import rnnkit
from rnnkit.models import Ensemble


def _x():
    return torch.randn(2, 5, 3, generator=torch.Generator().manual_seed(0))


# K39-01: members that differ in an option (an Elman cell's nonlinearity, a layer's dropout or zoneout, a head's
# pooling) were averaged and described as member 0 (ensemble.nonlinearity 'tanh' of a half-relu ensemble)
@pytest.mark.parametrize("other, match", [
    (lambda: rnnkit.RNN(3, 4, nonlinearity="relu"), r"member 1's layers\.0\.cell's nonlinearity is 'relu' and "
                                                     r"member 0's 'tanh'.*same options"),
    (lambda: rnnkit.RNN(3, 4, zoneout=0.3), r"member 1's layers\.0's zoneout is 0\.3 and member 0's 0\.0"),
])
def test_K39_01_ensemble_of_members_with_other_options_is_refused(other, match):
    with pytest.raises(ValueError, match=rf"Ensemble: the members must share one architecture, but {match}"):
        Ensemble([rnnkit.RNN(3, 4), other()])


def test_K39_01_ensemble_of_a_head_pooling_otherwise_is_refused():
    from rnnkit.models import SequenceToLabel
    a = SequenceToLabel(3, 4, 2, cell="gru", pooling="final")
    b = SequenceToLabel(3, 4, 2, cell="gru", pooling="mean")
    with pytest.raises(ValueError, match=r"member 1's head's pooling is 'mean' and member 0's 'final'"):
        Ensemble([a, b])


def test_K39_01_ensemble_of_one_design_still_runs_and_is_the_mean():
    torch.manual_seed(0)
    a, b = rnnkit.RNN(3, 4, nonlinearity="relu"), rnnkit.RNN(3, 4, nonlinearity="relu", dropout=0)
    a(_x())  # a record of the backend that ran is no option
    a.layers[0].cell.forget_bias = 2.0  # nor an init
    ens = Ensemble([a, b])
    torch.testing.assert_close(ens(_x())[0], (a(_x())[0] + b(_x())[0]) / 2)


# K39-02: a hooked cell of a stacked layer was warned of twice per call on the paths that call each layer
@pytest.mark.parametrize("backend", ["reference", "auto"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_K39_02_stacked_layer_warns_of_a_hooked_cell_once(backend, bidirectional):
    layer = rnnkit.LSTM(3, 4, num_layers=2, backend=backend, bidirectional=bidirectional)
    cell = layer.layers[1].backward_layer.cell if bidirectional else layer.layers[1].cell
    cell.register_forward_hook(lambda *a: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer(_x())
    said = [str(w.message) for w in caught if "carries hooks" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("LSTM: layers.1."), said


def test_K39_02_a_recurrent_layer_alone_still_warns_of_its_hooked_cell():
    layer = rnnkit.Recurrent(rnnkit.LSTMCell(3, 4))
    layer.cell.register_forward_hook(lambda *a: None)
    with pytest.warns(UserWarning, match=r"Recurrent\(LSTMCell\): cell \(LSTMCell\) carries hooks"):
        layer(_x())


# K39-03: one network given several times ([net] * 3) was an ensemble of one, averaged with itself, silently
def test_K39_03_ensemble_of_one_network_repeated_is_refused():
    net = rnnkit.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"Ensemble: member 1 is member 0 \(the same module object; \[net\] \* n "
                                         r"repeats one network\).*build each member anew"):
        Ensemble([net] * 3)


def test_K39_03_ensemble_of_wrappers_of_one_network_is_refused():
    net = rnnkit.GRU(3, 4)
    with pytest.raises(ValueError, match=r"member 1 is member 0 \(a module holding every weight of it"):
        Ensemble([torch.nn.Sequential(net), torch.nn.Sequential(net)])


# K39-04: members of other dtypes failed at the first call in the layer's words, naming no member
def test_K39_04_ensemble_of_members_of_other_dtypes_is_refused_naming_the_member():
    with pytest.raises(ValueError, match=r"member 1's layers\.0\.cell\.weight_ih has dtype torch\.float64 and "
                                         r"member 0's torch\.float32; convert the members to one dtype"):
        Ensemble([rnnkit.LSTM(3, 4), rnnkit.LSTM(3, 4).double()])


def test_K39_04_ensemble_of_members_on_other_devices_is_refused_naming_the_member():
    with pytest.raises(ValueError, match=r"member 1's .* has device meta and member 0's cpu; move the members"):
        Ensemble([rnnkit.GRU(3, 4), rnnkit.GRU(3, 4).to("meta")])


# K39-05: a dict of members (list() gives its keys) or what is no network failed on 'named_parameters'
def test_K39_05_ensemble_of_a_dict_names_its_values():
    with pytest.raises(TypeError, match=r"member 0 is str 'a'; pass the dict's values, "
                                        r"Ensemble\(list\(members\.values\(\)\)\)"):
        Ensemble({"a": rnnkit.LSTM(3, 4), "b": rnnkit.LSTM(3, 4)})


def test_K39_05_ensemble_of_fitted_estimators_names_model_():
    class Fitted:  # what an estimator holds after fit
        model_ = rnnkit.LSTM(3, 4)
    with pytest.raises(TypeError, match=r"member 0 is Fitted .*its model_"):
        Ensemble([Fitted(), Fitted()])


# K39-06: torch.nn RNN members given lengths read them as hx, the initial state, and failed in torch's words
@pytest.mark.parametrize("kind", ["GRU", "LSTM", "RNN"])
def test_K39_06_ensemble_of_torch_nn_members_given_lengths_names_from_torch(kind):
    make = getattr(torch.nn, kind)
    ens = Ensemble([make(3, 4, batch_first=True), make(3, 4, batch_first=True)])
    assert ens(_x())[0].shape == (2, 5, 4)  # without lengths they run as before
    with pytest.raises(ValueError, match=rf"Ensemble: member 0 is a torch\.nn\.{kind}, whose second argument is hx "
                                         rf"\(an initial state\), not lengths.*rnnkit\.{kind}\.from_torch\(member\)"):
        ens(_x(), torch.tensor([5, 3]))
    converted = Ensemble([getattr(rnnkit, kind).from_torch(m) for m in ens.members])
    torch.testing.assert_close(converted(_x())[0], ens(_x())[0], atol=1e-5, rtol=1e-5)
    assert converted(_x(), torch.tensor([5, 3]))[0].shape == (2, 5, 4)


# review: what K39-01..06 must leave quiet
def test_K39_01_hyperparameter_ensemble_of_other_dropouts_is_taken_and_is_the_mean_at_eval():
    from rnnkit.models import SequenceToLabel
    torch.manual_seed(0)
    members = [SequenceToLabel(3, 4, 2, cell="gru", num_layers=2, dropout=d, backend=b)
               for d, b in [(0.0, "auto"), (0.3, "reference"), (0.5, "auto")]]
    members[1].encoder.layers[0].input_dropout = members[2].encoder.layers[1].hidden_dropout = 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor a warning: dropout acts in training only
        ens = Ensemble(members).eval()
    torch.testing.assert_close(ens(_x())[0], sum(m(_x())[0] for m in members) / 3)


def test_K39_01_torch_nn_members_of_other_dropouts_and_momentum_are_taken():
    def make(p, momentum):
        nn = torch.nn
        return nn.Sequential(nn.Linear(3, 4), nn.Dropout(p), nn.BatchNorm1d(4, momentum=momentum),
                             nn.Dropout(p, inplace=p > 0.2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Ensemble([make(0.1, 0.1), make(0.3, 0.01)])
        Ensemble([torch.nn.GRU(3, 4, num_layers=2, dropout=0.1), torch.nn.GRU(3, 4, num_layers=2, dropout=0.4)])
    with pytest.raises(ValueError, match=r"member 1's 0's batch_first is True and member 0's False"):
        Ensemble([torch.nn.Sequential(torch.nn.GRU(3, 4)), torch.nn.Sequential(torch.nn.GRU(3, 4, batch_first=True))])


class _Tagged(torch.nn.Module):  # a user's own module: seed and tag are records, not design
    def __init__(self, seed, tag):
        super().__init__()
        torch.manual_seed(seed)
        self.seed, self.tag, self.rnn = seed, tag, rnnkit.GRU(3, 4)

    def forward(self, x, lengths=None):
        return self.rnn(x, lengths)


def test_K39_01_users_own_module_differing_in_a_seed_is_quiet_and_in_another_attribute_warned_not_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Ensemble([_Tagged(0, "a"), _Tagged(1, "a")])
    with pytest.warns(UserWarning, match=r"Ensemble: member 1's tag is 'b' and member 0's 'a', an attribute of the "
                                         r"user's own module.*ignore this"):
        ens = Ensemble([_Tagged(0, "a"), _Tagged(1, "b")])
    assert ens(_x())[0].shape == (2, 5, 4)


def test_K39_03_members_sharing_a_frozen_front_end_are_taken():
    front = torch.nn.Linear(3, 3)
    Ensemble([torch.nn.Sequential(front, torch.nn.Linear(3, 2)), torch.nn.Sequential(front, torch.nn.Linear(3, 2))])


def test_K39_06_a_torch_nn_subclass_that_takes_lengths_is_called_with_them():
    class PackedGRU(torch.nn.GRU):  # a user's GRU whose forward takes lengths
        def forward(self, x, lengths=None):
            return super().forward(x)

    ens = Ensemble([PackedGRU(3, 4, batch_first=True), PackedGRU(3, 4, batch_first=True)])
    assert ens(_x(), torch.tensor([5, 3]))[0].shape == (2, 5, 4)


def test_K39_02_the_keyword_is_private_and_a_layer_subclass_of_its_own_forward_still_stacks():
    import inspect
    assert "hooks_checked" not in inspect.signature(rnnkit.Recurrent.forward).parameters  # only _hooks_checked

    class Logged(rnnkit.Recurrent):  # a subclass's own forward, written before the keyword
        def forward(self, x, lengths=None, state=None, *, loop=None):
            return super().forward(x, lengths, state, loop=loop)

    stack = rnnkit.Stacked([Logged(rnnkit.GRUCell(3, 4)), Logged(rnnkit.GRUCell(4, 4))], backend="reference")
    assert stack(_x())[0].shape == (2, 5, 4)
    both = rnnkit.Bidirectional(Logged(rnnkit.GRUCell(3, 4)), Logged(rnnkit.GRUCell(3, 4), reverse=True))
    bi = rnnkit.Stacked([both], backend="reference")
    assert bi(_x())[0].shape == (2, 5, 8)


def test_K39_05_a_member_of_a_multi_line_repr_is_named_on_one_line():
    import numpy as np
    with pytest.raises(TypeError, match=r"member 0 is ndarray array\(\[\[1\., 0\., 0\.\], \[0\., 1\., 0\.\], "
                                        r"[^\n]*pass the networks themselves") as caught:
        Ensemble([np.eye(3), np.eye(3)])
    assert "\n" not in str(caught.value)
