"""Zoo tests build models into a per-session cache, never the user's.

The cache is pointed at for each zoo test module and restored after it (not for the whole
session): with pytest-xdist a worker goes on to other folders' tests, whose simulator builds
must keep using the real cache instead of rebuilding into this one.
"""

import pytest


@pytest.fixture(scope="session")
def zoo_cache(tmp_path_factory):
    """The session's fresh ``HETSOC_CACHE`` directory."""
    return tmp_path_factory.mktemp("hetsoc-cache")


@pytest.fixture(scope="module", autouse=True)
def _zoo_cache_env(zoo_cache):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HETSOC_CACHE", str(zoo_cache))
        yield
