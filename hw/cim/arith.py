"""Combinational integer pieces of the CIM datapath, each the exact counterpart of a golden
function (``hetsoc.golden.requant.rshift_rne``, ``hetsoc.golden.cim_noise``)."""

from amaranth import Cat, Const, Mux, Value, signed

from ...spec.cim import ADC_MAX, ADC_MIN, LFSR_MASK, NOISE_FRAC

__all__ = ["adc_code", "clamp", "lfsr_leap", "noise_sample", "rshift_rne"]


def rshift_rne(v, n, n_bits: int):
    """``v / 2**n`` rounded to nearest, ties to even, for a signed ``v`` and ``n >= 1``
    (``n`` an unsigned value of ``n_bits`` bits)."""
    v = Value.cast(v)
    one = Const(1, 2 ** n_bits + 1)
    half = (one << (n - 1)[:n_bits])
    mask = (one << n) - 1
    q = ((v + half) >> n)
    tie = (v.as_unsigned() & mask) == half
    # A tie that rounded up to an odd value goes back down (ties to even).
    return (q - (tie & q[0])).as_signed()


def clamp(v, lo: int, hi: int):
    """``min(max(v, lo), hi)`` for a signed value and integer bounds."""
    v = Value.cast(v)
    return Mux(v < lo, Const(lo, signed(v.shape().width)),
               Mux(v > hi, Const(hi, signed(v.shape().width)), v))


def _leap_columns():
    # Image of each basis state under 32 single Galois steps (a linear map over GF(2)).
    cols = []
    for j in range(32):
        s = 1 << j
        for _ in range(32):
            s = (s >> 1) ^ (LFSR_MASK if s & 1 else 0)
        cols.append(s)
    return cols


_COLUMNS = _leap_columns()


def lfsr_leap(state):
    """The LFSR state 32 steps after ``state``: one XOR tree per output bit."""
    state = Value.cast(state)
    bits = []
    for i in range(32):
        taps = [state[j] for j in range(32) if _COLUMNS[j] >> i & 1]
        bit = taps[0]
        for t in taps[1:]:
            bit = bit ^ t
        bits.append(bit)
    return Cat(*bits)


def noise_sample(state):
    """The noise sample of an LFSR state: its four bytes summed, minus 510 (signed 12 bits)."""
    state = Value.cast(state)
    return (state[0:8] + state[8:16] + state[16:24] + state[24:32] - 510).as_signed()


def adc_code(p, z, scale, adc_shift, offset):
    """The ADC code of column sum ``p`` with noise sample ``z`` (``cim_noise.adc_convert``):
    ``clamp(rshift_rne(p * 2**16 + z * scale * 2**adc_shift, adc_shift + 16) + offset,
    -32, 31)``."""
    v = (Value.cast(p) << NOISE_FRAC) + ((z * scale) << adc_shift)
    return clamp(rshift_rne(v, adc_shift + NOISE_FRAC, 5) + offset, ADC_MIN, ADC_MAX)
