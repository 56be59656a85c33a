"""The board top under cocotb: AxiLiteMaster on the host port, AxiRam (with random stalls) as
L3; random DMA transfers on both channels checked against the numpy model."""

from pathlib import Path

import pytest

from hetsoc.sim.board import run_board

from . import SMALL

SMALL_PATH = str(Path(__file__).with_name("small.toml"))


def test_host_port_registers_and_window():
    run_board(SMALL, SMALL_PATH, testcase="host_registers_and_window")


def test_random_transfers_with_axi_backpressure():
    figures = run_board(SMALL, SMALL_PATH, testcase="random_dma_transfers", seed=11,
                        transfers=120, pause=0.3)
    assert figures["transfers"] >= 100
    assert figures["mismatches"] == 0


@pytest.mark.slow
def test_many_random_transfers_with_heavy_backpressure():
    figures = run_board(SMALL, SMALL_PATH, testcase="random_dma_transfers", seed=23,
                        transfers=2000, pause=0.5)
    assert (figures["transfers"], figures["mismatches"]) == (2000, 0)
