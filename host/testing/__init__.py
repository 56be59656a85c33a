"""The conformance kit for accelerator plug-ins (`docs/accelerators.md`): checks any unit's
gateware against the register-page protocol, for hetsoc's own units and a plug-in author's CI.

``from hetsoc.testing import check_protocol``; the pytest plugin (``-p hetsoc.testing.plugin``)
adds ``--hetsoc-vcd-dir`` and the ``hetsoc_conformance`` fixture.
"""

from .cases import Case, check_cases
from .conformance import ConformanceError, bus_access, check_protocol

__all__ = ["Case", "ConformanceError", "bus_access", "check_cases", "check_protocol"]
