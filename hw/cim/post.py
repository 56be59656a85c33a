"""Post-processing of one column conversion: noise, ADC, bias, partial sums, requantization
(``docs/cim.md``, "Exact formulas"); combinational, one column per use."""

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .arith import adc_code, clamp, lfsr_leap, noise_sample, rshift_rne

__all__ = ["PostProc"]


class PostProc(wiring.Component):
    """One column: ``code = ADC(p + noise)``, ``total = code + bias (+ partial sum)``,
    ``y = clamp(rshift_rne(total * m, n) + y_zp, y_min, y_max)``.

    Parameters
    ----------
    width : int
        Width of the signed column sum ``p``.

    Members
    -------
    lfsr : In(32)
        The noise LFSR state before this conversion; ``lfsr_next`` is the state after it (the
        sample is taken from ``lfsr_next``).
    """

    def __init__(self, width: int):
        super().__init__({
            "p": In(signed(width)), "lfsr": In(32), "noise_scale": In(16), "adc_shift": In(4),
            "adc_offset": In(signed(6)), "bias": In(signed(32)), "multiplier": In(signed(32)),
            "shift": In(6), "acc_in": In(1), "partial": In(signed(32)), "y_zp": In(signed(8)),
            "y_min": In(signed(8)), "y_max": In(signed(8)),
            "lfsr_next": Out(32), "code": Out(signed(7)), "total": Out(signed(34)),
            "y": Out(signed(8)),
        })

    def elaborate(self, platform):
        m = Module()
        z = Signal(signed(12))
        m.d.comb += [self.lfsr_next.eq(lfsr_leap(self.lfsr)), z.eq(noise_sample(self.lfsr_next))]
        m.d.comb += self.code.eq(adc_code(self.p, z, self.noise_scale, self.adc_shift,
                                          self.adc_offset))
        m.d.comb += self.total.eq(self.code + self.bias + Mux(self.acc_in, self.partial, 0))
        y = Signal(signed(8))
        m.d.comb += y.eq(clamp(rshift_rne(self.total * self.multiplier, self.shift, 6)
                               + self.y_zp, -128, 127))
        m.d.comb += self.y.eq(Mux(y < self.y_min, self.y_min, Mux(y > self.y_max, self.y_max, y)))
        return m
