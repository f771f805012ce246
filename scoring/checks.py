"""Input checks shared by the scoring modules: whole-number counts and boolean masks."""

import numpy as np

__all__ = ["bool_mask", "whole_counts"]


def whole_counts(value, size, name):
    """Return a non-negative int64 vector of length `size` from a scalar or a sequence."""
    array = np.asarray(value)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be whole numbers")
    if not np.issubdtype(array.dtype, np.integer) and not (
        np.isfinite(array).all() and (array == np.round(array)).all()
    ):
        raise ValueError(f"{name} must be whole numbers")
    if array.ndim == 0:
        array = np.full(size, array)
    if array.shape != (size,):
        raise ValueError(f"{name} must be a number or have shape ({size},), got {array.shape}")
    if (array < 0).any():
        raise ValueError(f"{name} must be >= 0")
    return array.astype(np.int64)


def bool_mask(value, shape, name):
    """Return a bool array of `shape` (all False when None), rejecting other values."""
    if value is None:
        return np.zeros(shape, dtype=bool)
    array = np.asarray(value)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name} must hold booleans (True/False or 0/1)")
    return array.astype(bool)
