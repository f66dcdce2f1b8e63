"""``keep_scale``: the head reads each series' level and scale, which ``normalise="series"`` removes."""

import numpy as np
import pytest
import torch

from rnnkit.models import SequenceToLabel, defaults_for_series
from rnnkit.models.frontend import normalise_series


def test_level_and_scale_are_the_statistics_the_normalisation_removes_over_valid_steps():
    x = torch.tensor([[[1.0], [3.0], [100.0]], [[-2.0], [-2.0], [-2.0]]])  # row 0: 2 valid steps
    normalised, got = normalise_series(x, torch.tensor([2, 3]), eps=1e-5, with_scale=True)
    torch.testing.assert_close(normalised, normalise_series(x, torch.tensor([2, 3]), eps=1e-5))
    expected = torch.tensor([[np.arcsinh(2.0), np.log(1.0)], [np.arcsinh(-2.0), np.log(1e-5)]], dtype=torch.float32)
    torch.testing.assert_close(got, expected)


def test_with_keep_scale_the_amplitude_reaches_the_output_and_without_it_does_not():
    torch.manual_seed(0)
    x = torch.randn(3, 40, 1)
    lengths = torch.tensor([40, 31, 17])
    shape_only = SequenceToLabel(1, 8, 2, cell="gru", normalise="series", frontend="conv", stride=4).eval()
    kept = SequenceToLabel(1, 8, 2, cell="gru", normalise="series", keep_scale=True, frontend="conv",
                           stride=4).eval()
    with torch.no_grad():
        torch.testing.assert_close(shape_only(x, lengths)[0], shape_only(10 * x + 3, lengths)[0], atol=1e-5, rtol=1e-5)
        assert (kept(x, lengths)[0] - kept(10 * x + 3, lengths)[0]).abs().max() > 1e-3
    assert kept.head.linear.in_features == shape_only.head.linear.in_features + 2  # asinh(mean), log(std)
    with pytest.raises(ValueError, match=r"keep_scale=True keeps .* normalise='series' removes.*normalise=None"):
        SequenceToLabel(1, 8, 2, keep_scale=True)


def test_the_rule_keeps_the_scale_of_long_one_channel_series_only():
    assert defaults_for_series(50, [150] * 50, 1)["model"]["keep_scale"] is True
    assert defaults_for_series(50, [150] * 50, 3)["model"]["keep_scale"] is False  # no normalisation
    assert defaults_for_series(67, [24] * 67, 1)["model"]["keep_scale"] is False  # short: no normalisation
