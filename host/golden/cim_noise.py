"""The CIM's seeded non-ideality model: an LFSR-based approximate Gaussian added before the
6-bit ADC, and the ADC itself (gain as a shift, offset, clipping), exactly as the hardware
computes them (``docs/cim.md``, "Noise model").

One noise sample per ADC conversion: the 32-bit Galois LFSR (polynomial
x^32 + x^22 + x^2 + x + 1) advances 32 steps, and the sample is the sum of the new state's four
bytes minus 510 (Irwin-Hall with four terms: mean 0, standard deviation ``Z_STD`` ~= 147.8).
The noise added to a column sum ``p`` is ``z * scale * 2**(adc_shift - 16)`` where
``scale = round(sigma * 2**16 / Z_STD)``, so ``sigma`` is in ADC output LSBs whatever the gain.
"""

from __future__ import annotations

import math

import numpy as np

from ..spec.cim import ADC_MAX, ADC_MIN, LFSR_MASK, NOISE_FRAC
from .requant import rshift_rne

__all__ = ["ADC_MAX", "ADC_MIN", "LFSR_MASK", "NOISE_FRAC", "Z_STD", "adc_convert", "apply_faults",
           "descriptor_seed", "fault_map", "lfsr_leap", "noise_samples", "noise_scale"]

Z_STD = math.sqrt(4 * (256 ** 2 - 1) / 12)
_SCALE_MAX = 0xFFFF      # the descriptor's 16-bit field


def _step(s: int) -> int:
    return (s >> 1) ^ (LFSR_MASK if s & 1 else 0)


def lfsr_leap(s: int) -> int:
    """The state 32 single steps after ``s`` (one noise sample's worth)."""
    for _ in range(32):
        s = _step(s)
    return s


def _leap_columns(columns):
    """Column images of the leap matrix composed with itself (A -> A^2)."""
    return [_apply_int(columns, c) for c in columns]


def _apply_int(columns, s):
    out = 0
    for j in range(32):
        if s >> j & 1:
            out ^= columns[j]
    return out


def _apply(columns, states):
    out = np.zeros_like(states)
    for j in range(32):
        out ^= np.where((states >> np.uint64(j)) & np.uint64(1), np.uint64(columns[j]),
                        np.uint64(0))
    return out


def _start(seed: int) -> int:
    if not isinstance(seed, int | np.integer) or not 0 <= seed <= 0xFFFFFFFF:
        raise ValueError(f"seed must be an integer in [0, 2**32), not {seed!r}")
    return int(seed) or 1           # the all-zero state never leaves zero


def noise_samples(seed: int, count: int) -> np.ndarray:
    """The first ``count`` noise samples (int64 in [-510, 510]) of a descriptor seeded with
    ``seed`` (0 means 1, as in the hardware)."""
    state = _start(seed)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    # Leap matrix A (32 steps) by column images; then doubling: block [s_{m+1}..s_{2m}] is
    # A^m applied to [s_1..s_m], so the whole stream costs O(32 * count) vector operations.
    columns = [lfsr_leap(1 << j) for j in range(32)]
    states = np.array([_apply_int(columns, state)], dtype=np.uint64)
    power = columns                 # A^m for m = states.size
    while states.size < count:
        states = np.concatenate([states, _apply(power, states)])
        power = _leap_columns(power)
    states = states[:count]
    total = np.zeros(count, dtype=np.int64)
    for b in range(4):
        total += ((states >> np.uint64(8 * b)) & np.uint64(0xFF)).astype(np.int64)
    return total - 510


def noise_scale(sigma) -> int:
    """The descriptor's integer noise scale for a standard deviation of ``sigma`` ADC LSBs."""
    if isinstance(sigma, bool) or not isinstance(sigma, int | float) or not sigma >= 0:
        raise ValueError(f"sigma must be a number >= 0, not {sigma!r}")
    q = round(sigma * 2 ** NOISE_FRAC / Z_STD)
    if q > _SCALE_MAX:
        raise ValueError(f"sigma must be at most {_SCALE_MAX * Z_STD / 2 ** NOISE_FRAC:.1f} LSB, "
                         f"not {sigma!r}")
    return q


def adc_convert(p, *, adc_shift: int, offset: int = 0, z=0, scale: int = 0):
    """ADC codes ``clamp(rshift_rne(p * 2**16 + z * scale * 2**adc_shift, adc_shift + 16)
    + offset, -32, 31)`` of column sums ``p`` with noise samples ``z``."""
    v = (np.asarray(p, dtype=np.int64) << NOISE_FRAC) \
        + (np.asarray(z, dtype=np.int64) * int(scale) << adc_shift)
    return np.clip(rshift_rne(v, adc_shift + NOISE_FRAC) + int(offset), ADC_MIN, ADC_MAX)


def descriptor_seed(seed: int, image: int, row_chunk: int, col_chunk: int) -> int:
    """The LFSR seed of one descriptor (one image, one row chunk, one column chunk) of a layer
    seeded with ``seed``: a 32-bit mix, never 0, so every split has its own noise."""
    h = (int(seed) * 0x9E3779B1 + image * 0x85EBCA77 + row_chunk * 0xC2B2AE3D
         + col_chunk * 0x27D4EB2F + 0x165667B1) & 0xFFFFFFFF
    for mult in (0x7FEB352D, 0x846CA68B):
        h ^= h >> 16
        h = (h * mult) & 0xFFFFFFFF
    h ^= h >> 16
    return h or 1


def fault_map(rows: int, cols: int, rate: float, seed: int):
    """Stuck-at cells of a ``rows x cols`` macro: ``(stuck, value)``, a bool array marking each
    cell stuck with probability ``rate`` and the int8 value in {-1, 0, +1} it is stuck at
    (numpy's PCG64 seeded with ``seed``: a property of one array, not of the noise LFSR)."""
    if not 0 <= rate <= 1:
        raise ValueError(f"rate must be in [0, 1], not {rate!r}")
    rng = np.random.default_rng(seed)
    stuck = rng.random((rows, cols)) < rate
    value = rng.integers(-1, 2, (rows, cols)).astype(np.int8)
    return stuck, value


def apply_faults(w, stuck, value):
    """The weights a macro with stuck cells ``(stuck, value)`` holds for conv weights
    ``w`` (O, C, kh, kw): layer row ``r`` (in (kh, kw, c) order) and column ``k`` sit in
    macro cell ``(r % rows, k % cols)``, whatever the row and column chunk."""
    w = np.asarray(w)
    o, c, kh, kw = w.shape
    rows, cols = stuck.shape
    t = w.transpose(2, 3, 1, 0).reshape(kh * kw * c, o)
    r = np.arange(t.shape[0])[:, None] % rows
    k = np.arange(o)[None, :] % cols
    t = np.where(stuck[r, k], value[r, k], t).astype(np.int8)
    return t.reshape(kh, kw, c, o).transpose(3, 2, 0, 1)
