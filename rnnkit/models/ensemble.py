"""Several networks of one architecture, trained from different seeds, read as one: the mean of their outputs.

A seed ensemble is the cheapest remedy for the spread of small-data fits (docs/long_series.md measured it on
the tuning sets' validation splits); the estimators fit one with ``n_members`` and keep it as their ``model_``.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from ..checks import short_repr


def _layout(member: nn.Module) -> str:
    """``num_layers=2, bidirectional=True`` of a member's first recurrent layer (rnnkit's or torch.nn's), or ""."""
    layer = next((m for m in member.modules() if hasattr(m, "num_layers") and hasattr(m, "hidden_size")), None)
    if layer is None:
        return ""
    bidirectional = getattr(layer, "num_directions", 2 if getattr(layer, "bidirectional", False) else 1) == 2
    return f"num_layers={layer.num_layers}, bidirectional={bidirectional}"


# the way on for members of different designs: their mean taken by the user, as forward takes it of one design
_OWN_MEAN = "torch.stack([m(x, lengths)[0] for m in members]).mean(0)"


def _same_cell(*classes: str) -> str:
    """``cell (cell='lstm' for all, or 'gru')`` for members whose cells (or modules) are of ``classes``: the
    encoder's cell names where rnnkit's cells are meant, else the module classes themselves."""
    from .encoder import CELL_NAMES, NAMED_CELLS  # the registry of cells by name (the models import the layers)

    with torch.device("meta"):  # the cells built for their classes only: no memory, no draw from the generator
        names = {type(NAMED_CELLS[n].make_cell(2, 2)).__name__: n for n in CELL_NAMES}
    if all(c in names for c in classes):
        return f"cell (cell={names[classes[0]]!r} for all, or {names[classes[1]]!r})"
    return f"module class ({classes[0]} or {classes[1]} for all)"


class Ensemble(nn.Module):
    """``members``: modules of one architecture, each ``(x, lengths) -> (y, state)``.

    ``forward(x, lengths)`` returns ``(mean over members of y, None)``: the members' raw outputs (a classifier's
    logits, a regressor's standardised values) averaged; there is no one state to return.

    The members share one architecture, so an attribute the ensemble does not have itself is read from the first
    member (``ensemble.frontend.k``, ``ensemble.normalise``, ``ensemble.head.pooling``): what describes the
    architecture is every member's; a module's weights read so are the first member's (``members[j]`` for others).

    Refused where built: members of other classes, parameter names, shapes, dtypes or devices; one member given twice
    or holding every weight of another; members of rnnkit's or torch's modules that differ in an option that acts at
    inference (a plain value a module keeps: an Elman cell's nonlinearity, zoneout, a head's pooling, sizes). Members
    may differ in their seeds and in training-only options (every dropout rate, batch norm's momentum) and in LSTM's
    forget_bias (an init): a hyperparameter ensemble. An attribute of a module of the user's own class that differs
    is warned of, as it may be a record (a tag) rather than a design option.
    """

    def __init__(self, members: list[nn.Module] | tuple[nn.Module, ...]):
        super().__init__()
        given = members
        members = list(members)
        if len(members) < 2:
            raise ValueError(f"Ensemble needs at least 2 members, got {len(members)}; use the one network itself")
        _check_modules(members, given)
        kinds = {type(m).__name__ for m in members}
        if len(kinds) > 1:
            raise ValueError(f"Ensemble: the members must share one architecture, got {sorted(kinds)}")
        _check_distinct(members)
        tensors = {name: _described(p) for name, p in members[0].named_parameters()}
        options = _options(members[0])
        for j, member in enumerate(members[1:], 1):  # else torch.stack's error at the first forward, naming none
            theirs = {name: _described(p) for name, p in member.named_parameters()}
            name = next((n for n in [*tensors, *theirs] if tensors.get(n, ()) != theirs.get(n, ())), None)
            if name is not None and (name not in tensors or name not in theirs):  # other layers, directions, cells
                has, lacks = (0, j) if name in tensors else (j, 0)
                mine, other = _layout(members[0]), _layout(member)
                if mine and other and mine != other:  # the layer counts or directions differ: named
                    shown, differ = f"member 0: {mine}; member {j}: {other}", "layers or directions"
                else:  # alike there (or no recurrent layer to read): another option adds or drops the parameter
                    shown = f"{len(tensors)} parameters in member 0, {len(theirs)} in member {j}" + (
                        f", both {mine}" if mine else "")
                    differ = "an option that adds or drops a parameter (bias, a norm, the cell)"
                raise ValueError(f"Ensemble: the members must share one architecture, but member {has} has a "
                                 f"parameter {name} and member {lacks} none ({shown}): they differ in {differ}; build "
                                 f"every member with the same options (num_layers, bidirectional, bias, the cell), or "
                                 f"average networks of different designs yourself: {_OWN_MEAN}")
            if name is not None:
                mine, other = tensors[name], theirs[name]
                k = next(k for k in range(3) if mine[k] != other[k])  # shape first, then dtype, then device
                what, fix = [("shape", "build every member with the same sizes (input, hidden, output, layers)"),
                             ("dtype", "convert the members to one dtype (member.float() or member.double())"),
                             ("device", "move the members to one device (member.to(device))")][k]
                owner = name.rpartition(".")[0]  # the module holding the parameter: its class may be what differs
                classes = [type(m.get_submodule(owner)).__name__ for m in (members[0], member)]
                if k == 0 and classes[0] != classes[1]:  # a GRU cell's weight_ih is 3H rows, an LSTM cell's 4H
                    raise ValueError(f"Ensemble: the members must share one architecture, but member {j}'s {owner} is "
                                     f"of class {classes[1]} and member 0's of {classes[0]} (their "
                                     f"{name.rpartition('.')[2]} of shape {other[k]} and {mine[k]}); build every "
                                     f"member with the same "
                                     f"{_same_cell(*classes)}, or average networks of different designs yourself: "
                                     f"{_OWN_MEAN}")
                raise ValueError(f"Ensemble: the members must share one architecture, but member {j}'s {name} has "
                                 f"{what} {other[k]} and member 0's {mine[k]}; {fix}")
            own = _options(member)
            differ = [n for n in [*options, *own] if not _same(options.get(n), own.get(n))]
            name = next((n for n in differ if options.get(n, own.get(n))[1]), None)
            if name is not None:  # the mean of differing networks, described (ensemble.nonlinearity) as member 0
                raise ValueError(f"Ensemble: the members must share one architecture, but member {j}'s "
                                 f"{_where(name)} is {_value(own, name)} and member 0's {_value(options, name)}; "
                                 f"build every member with the same options (they may differ in their seeds and in "
                                 f"training-only options such as dropout), or average networks of different designs "
                                 f"yourself: {_OWN_MEAN}")
            if differ:  # a module of the user's own: an attribute may be a design option or a record (a tag)
                warnings.warn(f"Ensemble: member {j}'s {_where(differ[0])} is {_value(own, differ[0])} and member "
                              f"0's {_value(options, differ[0])}, an attribute of the user's own module that may be a "
                              f"design option (the mean would then be of other designs, described as member 0's) or "
                              f"a record such as a tag; if it changes nothing at inference, ignore this (warnings."
                              f"filterwarnings('ignore', 'Ensemble: member'))", UserWarning, stacklevel=2)
        self.members = nn.ModuleList(members)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)  # parameters, buffers and modules of its own: members
        except AttributeError:
            members = self.__dict__["_modules"].get("members")
            if members is None or name.startswith("_"):
                raise
            return getattr(members[0], name)

    def load_state_dict(self, state_dict, strict: bool = True, **kwargs):
        # one member's state_dict (a network saved alone) into the ensemble: torch listed every key of every member
        # as missing, and strict=False loaded none of them, leaving each member as initialised, without a word
        keys = [k for k in state_dict if isinstance(k, str)] if isinstance(state_dict, Mapping) else []
        own = set(self.members[0].state_dict())
        if keys and not any(k.startswith("members.") for k in keys) and own and set(keys) & own:
            message = (f"Ensemble.load_state_dict: the state_dict is one network's (its keys {keys[0]!r}, ... are a "
                       f"member's), not the ensemble's ('members.0.{keys[0]}', ... for each of its {len(self.members)} "
                       f"members); load it into a member, ensemble.members[0].load_state_dict(state_dict), or save "
                       f"and load the whole ensemble's, torch.save(ensemble.state_dict(), path)")
            if strict:
                raise RuntimeError(message)
            warnings.warn(message + "; strict=False loads none of its weights and leaves every member as it was",
                          UserWarning, stacklevel=2)
        return super().load_state_dict(state_dict, strict=strict, **kwargs)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state=None):
        if state is not None:
            raise ValueError("Ensemble: each member has its own state; an initial state cannot be given to all")
        if lengths is not None:
            _check_takes_lengths(self.members)
        return torch.stack([member(x, lengths)[0] for member in self.members]).mean(0), None


# a module's attributes that record its use, not its design: the mode (which ensemble.train() / eval() sets for
# every member), the backend asked for (a module saved whole before keeps it so) and the one that ran last, the
# diagnostics' trace, a seed; LSTM's forget_bias, an init training moves; and inplace, which changes no value
NOT_ARCHITECTURE = frozenset({"training", "backend", "last_backend", "last_backend_reason", "trace", "forget_bias",
                              "seed", "random_state", "inplace"})


def _training_only(module: nn.Module, name: str) -> bool:
    """An option that acts in training only, so members that differ in it compute one function at inference (a
    hyperparameter ensemble of dropouts): every dropout rate (rnnkit's layers, heads and torch.nn's RNNs apply theirs
    with ``training=self.training``; torch.nn's Dropout modules' ``p``) and batch norm's ``momentum`` (the running
    statistics' update). Zoneout is not one: at eval a rate p keeps ``p * old + (1 - p) * new``."""
    return (name.endswith("dropout") or (name == "p" and isinstance(module, nn.modules.dropout._DropoutNd))
            or (name == "momentum" and isinstance(module, nn.modules.batchnorm._NormBase)))


def _check_modules(members: list, given) -> None:
    """TypeError unless every member is a torch.nn.Module: a dict gives its keys to ``list``, an estimator is no
    network, and both failed on an attribute (``'str' object has no attribute 'named_parameters'``)."""
    j, member = next(((j, m) for j, m in enumerate(members) if not isinstance(m, nn.Module)), (None, None))
    if j is None:
        return
    if isinstance(given, Mapping):
        fix = "pass the dict's values, Ensemble(list(members.values())), which are the networks"
    elif hasattr(member, "model_"):
        fix = "pass each fitted estimator's network, its model_ (or fit one estimator with n_members)"
    else:
        fix = "pass the networks themselves, each (x, lengths) -> (y, state)"
    raise TypeError(f"Ensemble: the members must be torch.nn.Modules, but member {j} is {type(member).__name__} "
                    f"{short_repr(member, 40)}; {fix}")


def _check_takes_lengths(members: nn.ModuleList) -> None:
    """ValueError for a torch.nn RNN, LSTM or GRU member given lengths: its second argument is ``hx``, the initial
    state, so torch read the lengths as one (``For batched 3-D input, hx should also be 3-D but got 1-D tensor``)."""
    torch_rnn = (nn.GRU, nn.LSTM, nn.RNN)  # their own forward: a subclass may take lengths in its own
    j, kind = next(((j, k.__name__) for j, m in enumerate(members) for k in torch_rnn
                    if isinstance(m, k) and type(m).forward is k.forward), (None, None))
    if kind is not None:
        raise ValueError(f"Ensemble: member {j} is a torch.nn.{kind}, whose second argument is hx (an initial state), "
                         f"not lengths, so it cannot be given the lengths; convert each member with "
                         f"rnnkit.{kind}.from_torch(member) (the same weights, the same function), which takes them")


def _check_distinct(members: list[nn.Module]) -> None:
    """ValueError where one member is another (``[net] * 3`` repeats one object) or holds every weight of another:
    the mean would be that one network's output, an ensemble of one, with no word."""
    owner = {}
    for j, member in enumerate(members):
        params = list(member.parameters())
        shared = {owner.get(id(p)) for p in params}
        i = next(iter(shared)) if len(shared) == 1 else None
        if i is not None or any(member is m for m in members[:j]):
            i = i if i is not None else next(k for k, m in enumerate(members[:j]) if m is member)
            same = "the same module object" if member is members[i] else "a module holding every weight of it"
            raise ValueError(f"Ensemble: member {j} is member {i} ({same}; [net] * n repeats one network), so the "
                             f"mean would be that one network's output; build each member anew, "
                             f"[make_net() for _ in range(n)], or give each copy.deepcopy(net), and train each")
        owner.update((id(p), j) for p in params if id(p) not in owner)


def _described(p: torch.Tensor) -> tuple:
    return tuple(p.shape), p.dtype, p.device


def _options(member: nn.Module) -> dict[str, tuple[object, bool]]:
    """``{"path.option": (value, known)}``: the plain values (numbers, text, flags, tuples) each submodule keeps of
    its design (an Elman cell's nonlinearity, a layer's reverse and zoneout, a head's pooling, a convolution's kernel),
    less records of use and training-only options (:func:`_training_only`); ``known`` where the module is rnnkit's
    or torch's, whose attributes are options, not of the user's own class, whose attributes may be records."""
    return {f"{path}.{name}" if path else name: (value, type(module).__module__.split(".")[0] in ("rnnkit", "torch"))
            for path, module in member.named_modules() for name, value in vars(module).items()
            if not name.startswith("_") and name not in NOT_ARCHITECTURE and not _training_only(module, name)
            and isinstance(value, numbers.Number | str | tuple | None)}


def _where(name: str) -> str:
    path, _, option = name.rpartition(".")
    return f"{path}'s {option}" if path else option


def _value(options: dict, name: str) -> str:
    return repr(options[name][0]) if name in options else "unset"


def _same(a, b) -> bool:
    a, b = a and a[0], b and b[0]
    return a == b or (a != a and b != b)  # NaN options alike
