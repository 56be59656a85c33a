"""Zoo tests build models into a per-session cache, never the user's."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def zoo_cache(tmp_path_factory):
    """Point ``HETSOC_CACHE`` at a fresh directory for the whole session."""
    old = os.environ.get("HETSOC_CACHE")
    path = tmp_path_factory.mktemp("hetsoc-cache")
    os.environ["HETSOC_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("HETSOC_CACHE", None)
    else:
        os.environ["HETSOC_CACHE"] = old
