"""Fault injection on the whole SoC (Verilator; one case also on Icarus): a hardware fault in
the middle of a transfer or a layer ends the run with a report naming the unit and its
descriptor, and no byte of L1, L2 or L3 changes outside the faulting transfer's destination.

`sw/tests/fault_injection.c` fills all of L2 and L1 from seeded random images in L3, meets
the fault, reports it, and copies L2 and L1 back out to L3; every byte is compared with the
DMA's numpy model (`hetsoc.accel.dma.model.DmaModel`, its bus errors the injected window),
and the faulting destination byte by byte with what the engine is specified to write:

- an L3 read error part-way through a 2-D copy L3 -> L2 (the L3 model's fault window injected
  in the middle of the source), beside a copy on the other channel: `BUS_ERROR`, and exactly a
  prefix of whole destination chunks ending before the failing beat was written;
- an L3 write error part-way through a 2-D copy L2 -> L3: the chunks before the failing one
  stored, the bytes in the window not, nothing after the bytes the channel counts as sent;
- an L3 that stops answering part-way (its hang window): the timeout report names the channel
  and its descriptor, and the destination holds exactly the bytes read before the hang;
- the CIM refusing part of its weights load (one beat with the cell code 0b10, a corrupted
  weight): the DMA completes, the layer's descriptor ends with the error "weights" having read
  and written nothing, and after the refusal is cleared the layer's output is golden's on the
  cells as the refusal left them (every cell new but those of the refused beat).

The NPU has no fault of its own in the middle of a layer: it checks a descriptor before it
reads or writes anything (tests/npu/test_npu_errors.py) and L1 never fails; what it refuses
part-way is a DMA into the weights its running layer uses (sw/tests/npu_dma_errors.c).
The network runtime's fault report: tests/test_fault_injection_network.py.
"""

import re
import shutil

import numpy as np
import pytest

from hetsoc.accel.cim.encoder import encode_descriptor, plan_conv2d, weight_window
from hetsoc.accel.dma.encoder import Transfer
from hetsoc.accel.dma.model import DmaModel, chunks
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.golden import cim_conv2d
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import l3_hang_window
from hetsoc.spec.cim import DESCRIPTOR_WORDS, PARAM_BYTES, CimError
from hetsoc.spec.config import load_config
from hetsoc.spec.dma import BEAT_BYTES, DmaStatus

CONFIG = "default"
REPORTED = 20      # fault_injection.c's exit code once the fault was met and reported
ROW = 32768        # its whole-memory copies' row
DATA = 0x10000     # L3 bytes for the cases' own data, just below the hang window
SEED = 17


def _up(n: int) -> int:
    return -(-n // BEAT_BYTES) * BEAT_BYTES


class Layout:
    """Where everything lies in L3, and the copies that fill L2 and L1 and snapshot them."""

    def __init__(self, config, l2_bytes=None, l1_bytes=None):
        self.config = config
        self.hang, hang_size = l3_hang_window(config)
        # How much of L2 and L1, from their bases, the program fills and snapshots: all of them
        # unless told (the Icarus run keeps to the bytes its case uses, for speed).
        self.l2, self.l1 = l2_bytes or config.l2.size, l1_bytes or config.l1.size
        self.data = self.hang - DATA
        self.snap_l1 = self.data - self.l1
        self.snap_l2 = self.snap_l1 - self.l2
        self.init_l1 = self.snap_l2 - self.l1
        self.init_l2 = self.init_l1 - self.l2
        self.base, self.end = self.init_l2, self.hang + hang_size

    def fills(self) -> list[Transfer]:
        c = self.config
        return [Transfer(self.init_l2, c.l2.base, ROW, self.l2 // ROW, 1, ROW, 0, ROW, 0, tag=1),
                Transfer(self.init_l1, c.l1.base, ROW, self.l1 // ROW, 1, ROW, 0, ROW, 0, tag=2)]

    def defines(self) -> list[str]:
        return [f"#define FI_{name} 0x{value:08x}u" for name, value in (
            ("INIT_L2", self.init_l2), ("INIT_L1", self.init_l1), ("SNAP_L2", self.snap_l2),
            ("SNAP_L1", self.snap_l1), ("L2_BYTES", self.l2), ("L1_BYTES", self.l1))]


def _c_desc(name: str, t: Transfer) -> str:
    return (f"static const dma_desc_t {name} = {{0x{t.src:08x}u, 0x{t.dst:08x}u, "
            f"{t.row_bytes}u, {t.rows}u, {t.planes}u, {t.tag}u, {t.src_row_stride}u, "
            f"{t.src_plane_stride}u, {t.dst_row_stride}u, {t.dst_plane_stride}u}};")


def phrase(t: Transfer) -> str:
    """A descriptor as the firmware (dma_print_descriptor) and the timeout report name it."""
    return (f"descriptor tag {t.tag}: {t.nbytes} bytes ({t.planes} x {t.rows} x "
            f"{t.row_bytes}) {t.src:#010x} -> {t.dst:#010x}")


def _order(t: Transfer, side: str) -> np.ndarray:
    """Bus addresses of one side of a transfer, in transfer order."""
    base, rs, ps = ((t.src, t.src_row_stride, t.src_plane_stride) if side == "src"
                    else (t.dst, t.dst_row_stride, t.dst_plane_stride))
    p, r, i = np.ogrid[:t.planes, :t.rows, :t.row_bytes]
    return (base + p * ps + r * rs + i).ravel()


class Case:
    """One firmware run: its mode, its header, what L3 holds, the model of what it does."""

    def __init__(self, name, layout, rng, fault=None, inject=None, side=None):
        self.name, self.layout, self.fault, self.inject, self.side = (
            name, layout, fault, inject, side)
        self.image = bytearray(rng.integers(0, 256, layout.end - layout.base, np.uint8))
        self.extra: list[str] = []

    def put(self, addr: int, data: bytes):
        self.image[addr - self.layout.base:addr - self.layout.base + len(data)] = data

    def header(self) -> str:
        lines = ["/* fault_cases.h: generated by tests/test_fault_injection.py. */",
                 "#ifndef FAULT_CASES_H", "#define FAULT_CASES_H", "#include \"dma.h\"",
                 *self.layout.defines()]
        for name, t in (("fi_fault", self.fault), ("fi_side", self.side)):
            if t is not None:
                lines.append(_c_desc(name, t))
        return "\n".join([*lines, *self.extra, "#endif", ""])

    def model(self) -> DmaModel:
        """The model after the fills (each test applies what came next)."""
        lo, size = self.inject or (0, 0)
        m = DmaModel(self.layout.config, bus_errors=[(lo, lo + size)] if size else [])
        m.view(self.layout.base, len(self.image))[:] = np.frombuffer(self.image, np.uint8)
        for t in self.layout.fills():
            assert m.run(t) == DmaStatus.OK
        return m


def _memories(case: Case, model: DmaModel, dump: bytes) -> dict:
    """L1, L2 and L3 as the run left them: L2 and L1 from their snapshots, L3 the model's but
    for the region the test loaded and read back (its snapshot areas aside)."""
    lay = case.layout
    got = np.frombuffer(dump, np.uint8)

    def part(addr, size):
        return got[addr - lay.base:addr - lay.base + size]

    l3 = model.memories["l3"].copy()
    off = lay.base - lay.config.l3.base
    l3[off:off + len(got)] = got
    s = lay.snap_l2 - lay.config.l3.base
    l3[s:s + lay.l2 + lay.l1] = model.memories["l3"][s:s + lay.l2 + lay.l1]
    l2, l1 = model.memories["l2"].copy(), model.memories["l1"].copy()
    l2[:lay.l2], l1[:lay.l1] = part(lay.snap_l2, lay.l2), part(lay.snap_l1, lay.l1)
    return {"l2": l2, "l1": l1, "l3": l3}


def _view(mems: dict, config, addresses: np.ndarray) -> np.ndarray:
    for name in ("l1", "l2", "l3"):
        region = getattr(config, name)
        if region.contains(int(addresses[0])):
            return mems[name][addresses - region.base]
    raise ValueError(hex(int(addresses[0])))


def dma_cases(layout, rng):
    c = layout.config
    read = Transfer(layout.data + 0x100, c.l2.base + 0x4000, 1024, 8, 1, 1024, 0, 1536, 0,
                    tag=3)
    write = Transfer(c.l2.base + 0x10000, layout.data + 0x3000, 512, 16, 1, 512, 0, 768, 0,
                     tag=5)
    return [
        Case("read", layout, rng, read, (read.src + 5 * 1024 + 320, 16),
             Transfer(layout.data + 0x8000, c.l1.base + 0x2000, 4096, tag=4)),
        Case("write", layout, rng, write, (write.dst + 6 * 768 + 128, 16),
             Transfer(layout.data + 0x9000, c.l1.base + 0x3000, 4096, tag=6)),
    ]


def hang_case(layout, rng):
    fault = Transfer(layout.hang - 2048, layout.config.l2.base + 0x20000, 4096, tag=7)
    return Case("hang", layout, rng, fault, (layout.hang, layout.end - layout.hang))


class CimLayer:
    """A 3x3 conv on the CIM, its weights in two window images: ``good`` (other weights, all
    cells valid) and ``bad`` (the layer's, one beat holding the refused cell code 0b10)."""

    def __init__(self, config, rng, l1_off=0x10000):
        cim = config.cim
        self.c, self.h, self.w, self.k, kh = 8, 6, 6, 24, 3
        self.x = rng.integers(-128, 128, (self.c, self.h, self.w)).astype(np.int8)

        def ternary():
            return (rng.integers(-1, 2, (self.k, self.c, kh, kh))
                    * (rng.random((self.k, self.c, kh, kh)) < 0.7)).astype(np.int8)

        self.w_bad, self.w_good = ternary(), ternary()
        self.kw = dict(multiplier=rng.integers(2 ** 30, 2 ** 31, self.k),
                       shift=rng.integers(8, 13, self.k), x_zero_point=3, y_zero_point=-2,
                       input_shift=1, adc_shift=2, strides=(1, 1), pads=(1, 1, 1, 1),
                       y_min=-128, y_max=127)
        self.bias = rng.integers(-200, 200, self.k)
        self.geometry = dict(rows=cim.rows, cols=cim.cols)
        self.in_addr = l1_off
        self.out_addr = _up(l1_off + self.x.size + 64)
        self.param_addr = _up(self.out_addr + self.k * self.h * self.w + 64)
        (self.job,) = plan_conv2d(self.x.shape, self.w_bad, self.bias, **self.geometry,
                                  in_addr=self.in_addr, out_addr=self.out_addr,
                                  param_addr=self.param_addr,
                                  psum_addr=_up(self.param_addr + PARAM_BYTES * self.k + 64),
                                  **self.kw)
        rows_good = self._rows(self.w_good)
        assert np.array_equal(self.job.weights, self._rows(self.w_bad))
        self.good = weight_window(rows_good, cim.cols)
        bad = bytearray(weight_window(self.job.weights, cim.cols))
        # The refused beat: row r, columns 0..31 (8 bytes); column 5 gets the code 0b10.
        self.row = len(self.job.weights) // 2
        pitch = cim.cols // 4
        bad[self.row * pitch + 1] = (bad[self.row * pitch + 1] & ~(3 << 2)) | (0b10 << 2)
        self.bad = bytes(bad)
        # The cells the refusal leaves: the layer's everywhere but the beat, which keeps good's.
        kept = self.job.weights.copy()
        kept[self.row, :32] = rows_good[self.row, :32]
        self.expected = self.golden(kept)
        assert not np.array_equal(self.expected, self.golden(self.job.weights))
        one_cell = self.job.weights.copy()
        one_cell[self.row, 5] = rows_good[self.row, 5]
        assert not np.array_equal(self.expected, self.golden(one_cell))

    def _rows(self, w):   # plan_conv2d's layout: row (i * kw + j) * C + c, column k
        return w.transpose(2, 3, 1, 0).reshape(-1, self.k)

    def golden(self, rows) -> bytes:
        w = rows.reshape(3, 3, self.c, self.k).transpose(3, 2, 0, 1)
        y = cim_conv2d(self.x[None], w, self.bias, **self.geometry, **self.kw)[0]
        return y.transpose(1, 2, 0).astype(np.int8).tobytes()   # HWC, as the CIM writes it

    def desc_words(self) -> list[int]:
        d = encode_descriptor(**self.job.fields)
        return [(d >> (32 * i)) & 0xFFFF_FFFF for i in range(DESCRIPTOR_WORDS)]


def cim_case(layout, rng):
    c = layout.config
    layer = CimLayer(c, rng)
    (window,) = [r.base for _, r in c.dma_sinks if r.name == "cim_dma"]
    d = layout.data
    x = layer.x.transpose(1, 2, 0).tobytes()   # HWC
    out = len(layer.expected)
    loads = {"x": Transfer(d, c.l1.base + layer.in_addr, _up(len(x)), tag=8),
             "params": Transfer(d + 0x400, c.l1.base + layer.param_addr,
                                _up(len(layer.job.params)), tag=9),
             "good": Transfer(d + 0x1000, window, len(layer.good), tag=10),
             "bad": Transfer(d + 0x4000, window, len(layer.bad), tag=11),
             "out": Transfer(c.l1.base + layer.out_addr, d + 0x8000, _up(out), tag=12)}
    case = Case("cim", layout, rng)
    case.put(d, x)
    case.put(d + 0x400, layer.job.params)
    case.put(d + 0x1000, layer.good)
    case.put(d + 0x4000, layer.bad)
    case.extra = [_c_desc(f"fi_cim_{k}", t) for k, t in loads.items()]
    words = ", ".join(f"0x{w:08x}u" for w in layer.desc_words())
    case.extra.append(f"static const uint32_t fi_cim_desc[{DESCRIPTOR_WORDS}] = {{{words}}};")
    case.layer, case.loads = layer, loads
    return case


def _run_cases(cases, tmp, backend, config):
    lay = cases[0].layout
    drivers = [sw_path("drivers", "dma.c"), sw_path("drivers", "cim.c")]
    jobs = []
    for case in cases:
        folder = tmp / case.name
        folder.mkdir(exist_ok=True)
        (folder / "fault_cases.h").write_text(case.header())
        mode = {"read": "FI_DMA", "write": "FI_DMA", "hang": "FI_HANG", "cim": "FI_CIM"}
        elf = build_firmware([sw_path("tests", "fault_injection.c"), *drivers], CONFIG,
                             folder / "fault_injection.elf",
                             extra_cflags=[f"-I{sw_path('drivers')}", f"-I{folder}",
                                           f"-D{mode[case.name]}"])
        jobs.append(Job(elf, 600_000 if case.name == "hang" else 2_000_000,
                        l3_load=(lay.base, bytes(case.image)),
                        l3_dump=((lay.base, lay.end - lay.base),),
                        l3_fault=case.inject if case.name in ("read", "write") else None))
    return dict(zip((c.name for c in cases), run_batch(jobs, config, backend), strict=True))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    config = load_config(CONFIG)
    layout = Layout(config)
    rng = np.random.default_rng(SEED)
    cases = [*dma_cases(layout, rng), hang_case(layout, rng), cim_case(layout, rng)]
    results = _run_cases(cases, tmp_path_factory.mktemp("fault_injection"), "verilator",
                         config)
    return {c.name: (c, results[c.name]) for c in cases}


def _reported(case, run) -> int:
    """The bytes written the firmware's report line gives, after checking the line names the
    channel, the status and the descriptor."""
    assert run.status == "exit" and run.exit_code == REPORTED, run.console
    m = re.search(rf"fault_injection: dma channel 0: bus error on {re.escape(phrase(case.fault))}"
                  rf"; (\d+) bytes written; error event pending\n", run.console)
    assert m, run.console
    return int(m.group(1))


def _check_memories(case, run, model):
    mems = _memories(case, model, run.l3_dumps[0])
    assert model.mismatches(mems) == {"l1": 0, "l2": 0, "l3": 0}
    return mems


def test_an_l3_read_error_part_way_writes_a_prefix_of_whole_chunks_and_nothing_else(runs):
    _check_read(*runs["read"])


def _check_read(case, run):
    written = _reported(case, run)
    model = case.model()
    assert model.run(case.fault) == DmaStatus.BUS_ERROR
    assert model.run(case.side) == DmaStatus.OK
    mems = _check_memories(case, run, model)
    src, dst = _order(case.fault, "src"), _order(case.fault, "dst")
    first_bad = int(np.flatnonzero((src >= case.inject[0])
                                   & (src < case.inject[0] + case.inject[1]))[0])
    ends = np.cumsum([n for *_, n in chunks(case.fault.dst, case.fault.row_bytes,
                                            case.fault.rows, case.fault.planes,
                                            case.fault.dst_row_stride,
                                            case.fault.dst_plane_stride)])
    assert 0 < written <= first_bad and written in ends   # part-way, whole chunks
    got = _view(mems, case.layout.config, dst)
    new = _view(model.memories, case.layout.config, src)
    old = _view(model.memories, case.layout.config, dst)
    assert np.array_equal(got[:written], new[:written])
    assert np.array_equal(got[written:], old[written:])


def test_an_l3_write_error_part_way_stores_the_chunks_before_it_and_nothing_after_them(runs):
    case, run = runs["write"]
    written = _reported(case, run)
    model = case.model()
    assert model.run(case.fault) == DmaStatus.BUS_ERROR
    assert model.run(case.side) == DmaStatus.OK
    mems = _check_memories(case, run, model)
    src, dst = _order(case.fault, "src"), _order(case.fault, "dst")
    lo, size = case.inject
    in_window = (dst >= lo) & (dst < lo + size)
    cuts = [0, *np.cumsum([n for *_, n in chunks(case.fault.dst, case.fault.row_bytes,
                                                  case.fault.rows, case.fault.planes,
                                                  case.fault.dst_row_stride,
                                                  case.fault.dst_plane_stride)])]
    failing = int(np.searchsorted(cuts, np.flatnonzero(in_window)[0], side="right")) - 1
    assert cuts[failing] <= written <= cuts[min(failing + 4, len(cuts) - 1)]
    assert written in cuts and written < len(dst)
    got = _view(mems, case.layout.config, dst)
    new = _view(model.memories, case.layout.config, src)
    old = _view(model.memories, case.layout.config, dst)
    stored = (np.arange(len(dst)) < written) & ~in_window
    assert np.array_equal(got[stored], new[stored])
    assert np.array_equal(got[~stored], old[~stored])


def test_an_l3_that_stops_answering_part_way_is_named_by_the_timeout_report(runs):
    case, run = runs["hang"]
    assert run.status == "timeout", run.console
    assert "fault_injection: waiting on channel 0" in run.console
    assert run.busy_units == [f"dma channel 0 (busy, 0 queued; last {phrase(case.fault)})"]
    before = case.layout.hang - case.fault.src   # the bytes L3 answered
    assert f"dma channel 0 stopped after {before} bytes\n" in run.console
    model = case.model()
    assert model.run(case.fault) == DmaStatus.BUS_ERROR   # the model's word for "stopped"
    mems = _check_memories(case, run, model)
    got = _view(mems, case.layout.config, _order(case.fault, "dst"))
    new = _view(model.memories, case.layout.config, _order(case.fault, "src"))
    old = _view(model.memories, case.layout.config, _order(case.fault, "dst"))
    assert np.array_equal(got[:before], new[:before])
    assert np.array_equal(got[before:], old[before:])


def test_the_cim_refusing_part_of_its_weights_fails_the_layer_and_changes_nothing(runs):
    case, run = runs["cim"]
    layer = case.layer
    assert run.status == "exit" and run.exit_code == REPORTED, run.console
    words = " ".join(f"{w:08x}" for w in layer.desc_words())
    assert (f"fault_injection: cim: {CimError.WEIGHTS.name.lower()} on descriptor {words}; "
            f"weights load ok, a weight beat refused: yes; L1 bytes read 0, written 0\n"
            in run.console), run.console
    assert "fault_injection: cim after the clear: ok\n" in run.console
    model = case.model()
    for name in ("x", "params", "good", "bad"):
        assert model.run(case.loads[name]) == DmaStatus.OK
    # L1 and L2 as the snapshots saw them, after the refused descriptor: only the DMA's copies.
    snapshots = _memories(case, model, run.l3_dumps[0])
    assert model.mismatches({**snapshots, "l3": model.memories["l3"]}) == {
        "l1": 0, "l2": 0, "l3": 0}
    # Then the layer ran again on the cells the refusal left: golden's output, copied to L3.
    model.view(case.loads["out"].src, len(layer.expected))[:] = np.frombuffer(
        layer.expected, np.uint8)
    assert model.run(case.loads["out"]) == DmaStatus.OK
    l3 = _memories(case, model, run.l3_dumps[0])["l3"]
    assert model.mismatches({**model.memories, "l3": l3}) == {"l1": 0, "l2": 0, "l3": 0}


@pytest.mark.icarus
@pytest.mark.skipif(shutil.which("iverilog") is None,
                    reason="Icarus Verilog (iverilog) is not on PATH")
def test_icarus_meets_the_read_error_as_verilator_does(runs, tmp_path):
    """The read case on Icarus, filling and checking only the 32 KiB of L2 and L1 from their
    bases that its transfers use: the same report, the same bytes written, the same check."""
    config = load_config(CONFIG)
    (case, _) = dma_cases(Layout(config, ROW, ROW), np.random.default_rng(SEED))
    run = _run_cases([case], tmp_path, "icarus", config)["read"]
    assert _reported(case, run) == _reported(*runs["read"])
    _check_read(case, run)
