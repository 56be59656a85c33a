"""Instruction decoder: one RV32IM + Zicsr + Zifencei word in, control fields out.

Purely combinational. Every encoding that is not part of the supported ISA sets ``illegal``, so
the rest of the pipeline never has to second-guess the control fields of an illegal word (they
are ignored once the exception is recorded).
"""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .isa import AluOp, ASel, Funct3, Opcode, ResultSel

__all__ = ["DecodedLayout", "Decoder"]


DecodedLayout = data.StructLayout({
    "illegal": 1,
    "rd": 5,
    "rs1": 5,
    "rs2": 5,
    "rd_we": 1,        # writes a non-zero rd
    "rs1_re": 1,       # reads rs1 (for hazard detection)
    "rs2_re": 1,
    "imm": 32,
    "a_sel": ASel,
    "b_imm": 1,        # second ALU operand is the immediate (else rs2)
    "alu_op": AluOp,
    "result": ResultSel,
    "shift_right": 1,
    "shift_arith": 1,
    "branch": 1,
    "jal": 1,
    "jalr": 1,
    "load": 1,
    "store": 1,
    "funct3": 3,       # branch condition, memory size/sign, mul/div/csr operation
    "mul": 1,
    "div": 1,
    "csr": 1,
    "csr_write": 1,    # the CSR instruction writes (csrrw, or a non-zero rs1/uimm)
    "ecall": 1,
    "ebreak": 1,
    "mret": 1,
    "fence_i": 1,
    "wfi": 1,
})


class Decoder(wiring.Component):
    """Combinational RV32IM decoder.

    Members
    -------
    insn : In(32)
        The instruction word.
    out : Out(DecodedLayout)
        The decoded control fields (meaningless when ``out.illegal`` is set).
    """

    insn: In(32)
    out: Out(DecodedLayout)

    def elaborate(self, platform):
        m = Module()
        i = self.insn
        o = self.out
        opcode = i[2:7]
        funct3 = i[12:15]
        funct7 = i[25:32]
        rd, rs1, rs2 = i[7:12], i[15:20], i[20:25]

        imm_i = Cat(i[20:32], i[31].replicate(20))
        imm_s = Cat(i[7:12], i[25:32], i[31].replicate(20))
        imm_b = Cat(Const(0, 1), i[8:12], i[25:31], i[7], i[31].replicate(20))
        imm_u = Cat(Const(0, 12), i[12:32])
        imm_j = Cat(Const(0, 1), i[21:31], i[20], i[12:20], i[31].replicate(12))

        m.d.comb += [
            o.rd.eq(rd), o.rs1.eq(rs1), o.rs2.eq(rs2), o.funct3.eq(funct3),
            o.imm.eq(imm_i), o.a_sel.eq(ASel.RS1), o.alu_op.eq(AluOp.ADD),
            o.result.eq(ResultSel.ALU), o.shift_right.eq(funct3[2]), o.shift_arith.eq(i[30]),
        ]
        # Assigned inside the opcode cases; both default to 0 through comb reset.
        illegal = Signal()
        writes_rd = Signal()
        bad = Signal()

        # funct3 -> ALU operation for OP / OP-IMM (shifts go to the shifter instead).
        alu_ops = {Funct3.ADD: AluOp.ADD, Funct3.SLT: AluOp.SLT, Funct3.SLTU: AluOp.SLTU,
                   Funct3.XOR: AluOp.XOR, Funct3.OR: AluOp.OR, Funct3.AND: AluOp.AND}

        with m.Switch(opcode):
            with m.Case(Opcode.LUI):
                m.d.comb += [o.imm.eq(imm_u), o.a_sel.eq(ASel.ZERO), o.b_imm.eq(1)]
                m.d.comb += writes_rd.eq(1)
            with m.Case(Opcode.AUIPC):
                m.d.comb += [o.imm.eq(imm_u), o.a_sel.eq(ASel.PC), o.b_imm.eq(1)]
                m.d.comb += writes_rd.eq(1)
            with m.Case(Opcode.JAL):
                m.d.comb += [o.imm.eq(imm_j), o.jal.eq(1), o.result.eq(ResultSel.LINK)]
                m.d.comb += writes_rd.eq(1)
            with m.Case(Opcode.JALR):
                m.d.comb += [o.jalr.eq(1), o.rs1_re.eq(1), o.b_imm.eq(1),
                             o.result.eq(ResultSel.LINK)]
                m.d.comb += writes_rd.eq(1)
                m.d.comb += bad.eq(funct3 != 0)
            with m.Case(Opcode.BRANCH):
                m.d.comb += [o.imm.eq(imm_b), o.branch.eq(1), o.rs1_re.eq(1), o.rs2_re.eq(1)]
                m.d.comb += bad.eq(funct3[1:3] == 0b01)
            with m.Case(Opcode.LOAD):
                m.d.comb += [o.load.eq(1), o.rs1_re.eq(1), o.b_imm.eq(1),
                             o.result.eq(ResultSel.LOAD)]
                m.d.comb += writes_rd.eq(1)
                m.d.comb += bad.eq((funct3 == 0b011) | (funct3[1:3] == 0b11))
            with m.Case(Opcode.STORE):
                m.d.comb += [o.imm.eq(imm_s), o.store.eq(1), o.rs1_re.eq(1), o.rs2_re.eq(1),
                             o.b_imm.eq(1)]
                m.d.comb += bad.eq(funct3[2] | (funct3[0:2] == 0b11))
            with m.Case(Opcode.OP_IMM):
                m.d.comb += [o.rs1_re.eq(1), o.b_imm.eq(1)]
                m.d.comb += writes_rd.eq(1)
                with m.Switch(funct3):
                    for f3, op in alu_ops.items():
                        with m.Case(f3):
                            m.d.comb += o.alu_op.eq(op)
                    with m.Case(Funct3.SLL):
                        m.d.comb += o.result.eq(ResultSel.SHIFT)
                        m.d.comb += bad.eq(funct7 != 0)
                    with m.Case(Funct3.SR):
                        m.d.comb += o.result.eq(ResultSel.SHIFT)
                        m.d.comb += bad.eq((funct7 != 0) & (funct7 != 0b0100000))
            with m.Case(Opcode.OP):
                m.d.comb += [o.rs1_re.eq(1), o.rs2_re.eq(1)]
                m.d.comb += writes_rd.eq(1)
                with m.If(funct7 == 0b0000001):
                    m.d.comb += [o.mul.eq(~funct3[2]), o.div.eq(funct3[2]),
                                 o.result.eq(Mux(funct3[2], ResultSel.DIV, ResultSel.MUL))]
                with m.Elif((funct7 == 0) | ((funct7 == 0b0100000)
                                             & ((funct3 == Funct3.ADD) | (funct3 == Funct3.SR)))):
                    with m.Switch(funct3):
                        for f3, op in alu_ops.items():
                            with m.Case(f3):
                                m.d.comb += o.alu_op.eq(op)
                        with m.Case(Funct3.SLL, Funct3.SR):
                            m.d.comb += o.result.eq(ResultSel.SHIFT)
                    with m.If((funct3 == Funct3.ADD) & i[30]):
                        m.d.comb += o.alu_op.eq(AluOp.SUB)
                with m.Else():
                    m.d.comb += bad.eq(1)
            with m.Case(Opcode.MISC_MEM):
                # fence is a no-op (loads and stores complete in order); fence.i refetches.
                m.d.comb += o.fence_i.eq(funct3 == Funct3.FENCE_I)
                m.d.comb += bad.eq(funct3[1:3] != 0)
            with m.Case(Opcode.SYSTEM):
                with m.If(funct3 == Funct3.PRIV):
                    word = i[7:32]
                    m.d.comb += [
                        o.ecall.eq(word == (0x00000073 >> 7)),
                        o.ebreak.eq(word == (0x00100073 >> 7)),
                        o.mret.eq(word == (0x30200073 >> 7)),
                        o.wfi.eq(word == (0x10500073 >> 7)),
                    ]
                    # wfi (0x10500073) waits in decode while an interrupt is enabled in mie and
                    # none of them is pending (see Core).
                    m.d.comb += bad.eq((word != (0x00000073 >> 7)) & (word != (0x00100073 >> 7))
                                         & (word != (0x30200073 >> 7))
                                         & (word != (0x10500073 >> 7)))
                with m.Elif(funct3 == 0b100):
                    m.d.comb += bad.eq(1)
                with m.Else():
                    # csrrs/csrrc with rs1 = x0 (or uimm = 0) only read; csrrw always writes.
                    m.d.comb += [
                        o.csr.eq(1), o.rs1_re.eq(~funct3[2]), o.result.eq(ResultSel.CSR),
                        o.csr_write.eq((funct3[0:2] == 0b01) | (rs1 != 0)),
                    ]
                    m.d.comb += writes_rd.eq(1)
            with m.Default():
                m.d.comb += bad.eq(1)

        m.d.comb += [illegal.eq(bad | (i[0:2] != 0b11)),
                     o.illegal.eq(illegal), o.rd_we.eq(writes_rd & (rd != 0))]
        return m
