"""The docs say what the code does: generated tables in them are current."""

from pathlib import Path

from hetsoc.cheader import address_map_markdown
from hetsoc.spec.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def test_architecture_doc_has_the_current_address_map():
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = address_map_markdown(load_config("default")).split("\n", 2)[2]
    assert table in text, "regenerate the table in docs/architecture.md: hetsoc config default"


def test_readme_commands_are_the_ci_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    ci_line = next(line for line in ci.splitlines() if "pytest -n" in line)
    readme_line = next(line for line in readme.splitlines() if "pytest -n" in line)
    assert readme_line.strip() in ci_line
