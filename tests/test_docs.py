"""The documentation's code runs as printed: every ```python block of docs/*.md, page by page (the blocks of one
page share a namespace, as a reader runs them in order), and the configs page holds the generated reference."""

import re
from pathlib import Path

import pytest

from langevin_sphere.research import config

DOCS = Path(__file__).parents[1] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "```python" in p.read_text())


def test_the_docs_have_python_examples():
    assert {p.name for p in PAGES} >= {"index.md", "own-energy.md", "own-loop.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_python_block_of_a_page_runs(page, capsys):
    namespace: dict = {}
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)):
        exec(compile(block, f"{page.name}, block {i}", "exec"), namespace)
    assert capsys.readouterr().out.strip(), f"{page.name}: its examples print nothing to check"


def test_the_configs_page_holds_the_generated_reference():
    text = (DOCS / "configs.md").read_text()
    block = re.search(r"```toml\n(.*?)```", text, flags=re.S).group(1)
    assert block == config.reference_text(), (
        "docs/configs.md is stale: replace its toml block with `langevin-sphere config --reference`"
    )
