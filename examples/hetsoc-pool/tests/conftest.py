"""The conformance kit's fixture (hetsoc_conformance) and the example config's pool slot."""

import pytest

from hetsoc.spec.config import load_config
from hetsoc_pool import config_path

pytest_plugins = ["hetsoc.testing.plugin"]


@pytest.fixture(scope="session")
def config():
    return load_config(config_path())


@pytest.fixture(scope="session")
def slot(config):
    return config.accelerator("pool")
