pytest_plugins = ["hetsoc.testing.plugin"]
