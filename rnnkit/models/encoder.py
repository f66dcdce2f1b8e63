"""The recurrent encoder every model is built around, from a cell name, a cell object or a cell factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import Tensor, nn

from ..cells import Cell
from ..cells.base import unmixed_dtypes
from ..checks import closest_name
from ..layers import RNN, Bidirectional, Recurrent, Stacked
from ..layers.checks import _convert, check_input
from ..layers.rnn import _TorchCompatible

# The one registry of cells by name: name -> layer class, as each layer class names its cell where it is defined
# (rnnkit.layers.rnn._TorchCompatible.named), with "elman" for "rnn". Each layer class builds its cell with
# ``make_cell(input_size, hidden_size)`` (used where a cell is wrapped, e.g. by TimeAware), and the estimators,
# the Forecaster, the comparison and the command line take their cell names from here.
NAMED_CELLS = {"rnn": RNN, "elman": RNN, **_TorchCompatible.named}  # "rnn" keeps its place, first
CELL_NAMES = tuple(_TorchCompatible.named)  # the canonical names ("elman" = "rnn")


def check_model_input(x, model: nn.Module, layer: nn.Module, lengths, who: str) -> Tensor | None:
    """:func:`~rnnkit.layers.checks.check_input` of a model's ``layer`` (its encoder, or the model itself where it
    has the encoder's ``input_size``), named as the user's call ``who``, with a fix for the model: an input of
    another float dtype than its weights is converted, or the model (not one of its layers, which the layer's own
    message names)."""
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    if isinstance(x, Tensor) and x.is_floating_point() and param is not None and \
            (mixed := unmixed_dtypes(x, param.dtype)) is not None:
        raise ValueError(f"{who}: x is {x.dtype} but the {type(model).__name__}'s parameters are {param.dtype}; "
                         f"convert the input with x.{_convert(param.dtype)} or the model with "
                         f"model.{_convert(x.dtype)}{mixed}")
    return check_input(x, layer, lengths, who)


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """``model`` in eval mode inside the block, each submodule's own mode restored after (a model may hold modules
    in different modes). Generation reads the model so: dropout in training mode would draw from torch's global
    generator, another text or decoding on every call for one seed, and a model built anew and given saved weights
    (``load_state_dict``) is in training mode."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def check_cell_name(name: str, who: str | None = None) -> str:
    """The canonical registry name of ``name`` (case-insensitive; ``"elman"`` is ``"rnn"``), or a ValueError
    naming the choices."""
    layer_class = NAMED_CELLS.get(name.lower()) if isinstance(name, str) else None
    if layer_class is None:
        where = f"{who}: " if who else ""
        raise ValueError(f"{where}unknown cell {name!r}; {cell_name_guess(name)}use one of {list(CELL_NAMES)}, a "
                         "Cell object or a factory (input_size, hidden_size) -> Cell")
    return next(n for n in CELL_NAMES if NAMED_CELLS[n] is layer_class)


def cell_name_guess(name) -> str:
    """``"did you mean 'lstm'? "`` for a misspelt cell name (``"lstn"``), else ``""``."""
    close = closest_name(name.strip().lower(), NAMED_CELLS) if isinstance(name, str) else None
    return f"did you mean {close!r}? " if close else ""


def named_cell(name: str, input_size: int, hidden_size: int) -> Cell:
    """One cell of the registry by name (one step, for wrapping, e.g. in :class:`rnnkit.TimeAware`)."""
    return NAMED_CELLS[check_cell_name(name)].make_cell(input_size, hidden_size)


def build_encoder(
    cell,
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
    backend: str = "auto",
) -> Stacked:
    """A stacked recurrent layer ``(B, T, F) -> (B, T, D*H)`` with the given cell.

    ``cell`` is one of:

    - a name of :data:`NAMED_CELLS`: ``"rnn"`` / ``"elman"``, ``"lstm"``, ``"gru"``, ``"layernorm_lstm"``,
      ``"mingru"`` or ``"minlstm"``: :class:`rnnkit.RNN` / ``LSTM`` / ``GRU`` / ``LayerNormLSTM`` / ``MinGRU`` /
      ``MinLSTM``, which run a fast path when they can (see :class:`rnnkit.Stacked`);
    - a factory ``(input_size, hidden_size) -> Cell``, for example a :class:`rnnkit.Cell` subclass itself:
      ``Stacked([Recurrent(factory(...)), ...])``, one new cell per layer and direction;
    - a :class:`rnnkit.Cell` object: used as the only layer, so ``num_layers=1``, one direction, and its own
      ``input_size`` and ``hidden_size`` must match.

    ``dropout`` is applied between layers, as in torch.nn.
    """
    if isinstance(cell, str):
        layer_class = NAMED_CELLS[check_cell_name(cell)]
        return layer_class(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                           dropout=dropout, backend=backend)
    if isinstance(cell, Cell):
        if num_layers != 1 or bidirectional:
            raise ValueError("a Cell object is one layer in one direction; for num_layers > 1 or "
                             "bidirectional, pass a factory such as the Cell class itself")
        if (cell.input_size, cell.hidden_size) != (input_size, hidden_size):
            raise ValueError(f"the cell has (input_size, hidden_size) = ({cell.input_size}, "
                             f"{cell.hidden_size}) but the model needs ({input_size}, {hidden_size})")
        return Stacked([Recurrent(cell)], backend=backend)
    refused = _layer_given_as_cell(cell)
    if refused:
        raise ValueError(refused)
    if not callable(cell):
        raise ValueError(f"cell must be a name, a Cell object or a factory, got {type(cell).__name__}")

    def make(layer_input: int) -> Cell:
        made = cell(layer_input, hidden_size)
        if not isinstance(made, Cell):
            raise ValueError(f"the cell factory returned {type(made).__name__}, not an rnnkit Cell")
        if (made.input_size, made.hidden_size) != (layer_input, hidden_size):
            raise ValueError(f"the cell factory was asked for (input_size, hidden_size) = ({layer_input}, "
                             f"{hidden_size}) but returned a {type(made).__name__} of ({made.input_size}, "
                             f"{made.hidden_size}); build the cell from the two sizes it is given")
        return made

    directions = 2 if bidirectional else 1
    layers = []
    for i in range(num_layers):
        layer_input = input_size if i == 0 else directions * hidden_size
        if bidirectional:
            forward, backward = Recurrent(make(layer_input)), Recurrent(make(layer_input), reverse=True)
            layers.append(Bidirectional(forward, backward))
        else:
            layers.append(Recurrent(make(layer_input)))
    return Stacked(layers, dropout=dropout, backend=backend)


_TORCH_NAMES = {nn.LSTM: "lstm", nn.GRU: "gru", nn.RNN: "rnn"}


def _layer_given_as_cell(cell) -> str | None:
    """The error for a module where a cell is wanted (a torch.nn layer or an rnnkit layer, built or its class):
    being callable, it would be called as a factory with two sizes and fail far from here; else ``None``."""
    kind = cell if isinstance(cell, type) else type(cell)
    if not issubclass(kind, nn.Module) or issubclass(kind, Cell):
        return None
    package = "rnnkit" if kind.__module__.startswith("rnnkit") else kind.__module__
    package = "torch.nn" if getattr(nn, kind.__name__, None) is kind else package
    article = "an" if package == "rnnkit" else "a"
    full = f"{package}.{kind.__name__}"
    what = f"the class {full}" if isinstance(cell, type) else f"{article} {full} module"
    name = next((n for n in CELL_NAMES if issubclass(kind, NAMED_CELLS[n])), None)
    name = name or next((n for t, n in _TORCH_NAMES.items() if issubclass(kind, t)), None)
    if name is None:
        return (f"cell is {what}, not a cell; pass a cell name {list(CELL_NAMES)}, a Cell class (e.g. "
                f"rnnkit.LSTMCell) or a factory (input_size, hidden_size) -> Cell")
    sizes = "hidden_size (and num_layers, bidirectional)"
    if not isinstance(cell, type) and hasattr(cell, "hidden_size"):  # a built layer: its own sizes
        sizes = (f"hidden_size={cell.hidden_size}, num_layers={cell.num_layers}, "
                 f"bidirectional={cell.bidirectional}")
    return (f"cell is {what}, a whole layer, not a cell; pass its name, cell={name!r}, with {sizes} as the "
            f"model's arguments (the layer's weights are not taken)")
