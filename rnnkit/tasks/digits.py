"""Images read as sequences: scikit-learn's 8×8 digits, row by row or pixel by pixel (optionally permuted).

The sequential-image tasks of Le, Jaitly & Hinton 2015 (sequential and permuted MNIST) at a size that trains
in seconds on a CPU and ships with scikit-learn (1797 images, 10 classes, no download). Read row by row the
sequence is short (``T = 8``, ``F = 8``); pixel by pixel it is ``T = 64``, ``F = 1``, and a fixed random
permutation of the pixels scatters neighbouring pixels far apart in time, so that the model must remember
across the whole sequence.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from ..checks import is_finite_number
from .base import Split, Task, check_seed, majority_chance


def digit_sequences(*, by: str = "row", permutation_seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits as sequences: ``X (1797, 8, 8)`` by row or ``(1797, 64, 1)`` by pixel, float32 in
    [0, 1]; ``y (1797,)`` int64. ``permutation_seed`` (pixel order only) permutes the 64 steps, the same
    permutation for every image."""
    if by not in ("row", "pixel"):
        raise ValueError(f"digit_sequences: by must be 'row' or 'pixel', got {by!r}")
    check_seed("digit_sequences", "permutation_seed", permutation_seed, none="the pixels in their order")
    if permutation_seed is not None and by != "pixel":
        raise ValueError("digit_sequences: a permutation applies to the pixel-by-pixel order (by='pixel')")
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)  # (n, 8, 8), pixel values 0..16
    X = images if by == "row" else images.reshape(len(images), 64, 1)
    if permutation_seed is not None:
        X = X[:, np.random.default_rng(permutation_seed).permutation(64)]
    return X, digits.target.astype(np.int64)


def digits_task(
    *, by: str = "row", permutation_seed: int | None = None, test_size: float = 0.2, val_size: float = 0.1,
    seed: int = 0,
) -> Task:
    """Digits as a :class:`Task` (classify, accuracy): stratified train/val/test split by ``seed``, fractions
    ``test_size`` and ``val_size`` of all images."""
    check_seed("digits_task", "seed", seed)
    fractions = {"test_size": test_size, "val_size": val_size}
    for name, value in fractions.items():
        if not (is_finite_number(value) and 0 < value < 1):
            raise ValueError(f"digits_task: {name} must be a fraction of the 1797 images in (0, 1) (e.g. 0.2), "
                             f"got {value!r}")
    if test_size + val_size >= 1:
        raise ValueError(f"digits_task: test_size={test_size!r} and val_size={val_size!r} leave no image to train "
                         f"on (they must sum to less than 1)")
    X, y = digit_sequences(by=by, permutation_seed=permutation_seed)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size / (1 - test_size), stratify=y_rest, random_state=seed
    )
    chance, note = majority_chance(y_train, y_test)
    name = "digits" if permutation_seed is None else "permuted_digits"
    return Task(
        name, "classify", Split(X_train, y_train), Split(X_val, y_val), Split(X_test, y_test), output_size=10,
        metric="accuracy", chance=chance, chance_note=note,
        source="scikit-learn load_digits (UCI optical recognition of handwritten digits); "
               "sequential/permuted reading after Le, Jaitly & Hinton 2015",
        params={"by": by, "permutation_seed": permutation_seed, "test_size": test_size, "val_size": val_size,
                "seed": seed},
    )


def permuted_digits_task(*, permutation_seed: int = 0, **kwargs) -> Task:
    """Digits pixel by pixel (``T = 64``, ``F = 1``) in a fixed random order drawn from
    ``permutation_seed``; ``kwargs``: :func:`digits_task`'s other options (``test_size``, ``val_size``,
    ``seed``)."""
    if permutation_seed is None:  # digits_task would read the pixels in their order: the 'digits' task by pixel
        raise ValueError("permuted_digits_task: permutation_seed=None would read the pixels unpermuted (the 'digits' "
                         "task by pixel); give an integer >= 0 (default 0)")
    return digits_task(by="pixel", permutation_seed=permutation_seed, **kwargs)


permuted_digits_task.passes_on = (digits_task, ("by",))  # what **kwargs reaches, less what it sets itself
