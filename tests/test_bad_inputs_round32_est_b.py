"""Thirty-second round, second pass: the regressor and the tagger with real data (sktime's Covid3Month, a
regression set that ships with it; JapaneseVowels' frames labelled per step)."""

import numpy as np
import pytest

from rnnkit import SequenceRegressor, load

pytest.importorskip("sktime")


@pytest.fixture(scope="module")
def covid():
    from sktime.datasets import load_covid_3month

    X, y = load_covid_3month()  # a nested frame of 201 series of 84 days, one float target each
    return np.stack([np.stack(row.to_numpy()) for _, row in X.iterrows()]), np.asarray(y, dtype=float)


def _fit(X, y):
    return SequenceRegressor(hidden_size=4, max_epochs=1, batch_size=64, random_state=0, layout="nct").fit(X, y)


def test_E32_05_a_target_far_from_zero_beside_its_spread_is_predicted_in_its_units(covid, tmp_path):
    # the same rates offset by 1e6 (a meter's running total, a count in other units): the network is trained on
    # the same standardised targets, so its predictions must be the same, 1e6 added; the mean was kept in
    # float32, whose numbers near 1e6 are 0.0625 apart, and every prediction was off by its rounding (0.025 here,
    # half the rates' spread of 0.05: R^2 -0.39 for 0.008)
    X, y = covid
    plain, shifted = _fit(X, y), _fit(X, y + 1e6)
    assert np.abs(shifted.predict(X) - 1e6 - plain.predict(X)).max() < 1e-3 * y.std()
    assert shifted.score(X, y + 1e6) == pytest.approx(plain.score(X, y), abs=1e-3)
    shifted.save(tmp_path)
    np.testing.assert_array_equal(load(tmp_path).predict(X), shifted.predict(X))


def test_E32_06_a_taggers_labels_of_the_wrong_length_are_named_by_the_instance_id():
    # JapaneseVowels as sktime's pd-multiindex, the utterances 10 ... 19 (a subset, as a split leaves them): the
    # labels of the fourth are one short; "sequence 3" named an instance id not given (and, in a shuffled
    # subset that holds it, another utterance)
    from sktime.datasets import load_japanese_vowels

    from rnnkit import SequenceTagger

    X, _ = load_japanese_vowels(return_type="pd-multiindex")
    ids = X.index.get_level_values(0).unique()[10:20]
    X = X.loc[ids]
    labels = [np.where(X.loc[i].iloc[:, 0] > 0, "high", "low") for i in ids]
    labels[3] = labels[3][:-1]
    tagger = SequenceTagger(hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=rf"the labels of sequence {int(ids[3])} \(position 3\) have shape "
                                         rf"\({len(labels[3])},\) but the sequence has {len(labels[3]) + 1} steps"):
        tagger.fit(X, labels)
