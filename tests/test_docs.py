"""The documentation's code runs as printed.

- every ```python block of docs/*.md and docs/*/*.md runs, page by page (the blocks of one page share a namespace, as
  a reader runs them in order) and the page prints something to compare; a block that is not meant to run stands
  right below a line ``<!-- not run: <why> -->`` (none does today);
- the config of the own-energy page loads a user's energy class by ``[energy] kind = "module:Name"``, with the page's
  own class, and builds it with the table's other keys;
- the configs page holds the reference generated from the schema.
"""

import re
import sys
from pathlib import Path

import pytest

from langevin_sphere.research import config

DOCS = Path(__file__).parents[1] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "```python" in p.read_text())
BLOCK = re.compile(r"(?P<mark><!-- not run: [^>]+ -->\n)?```python\n(?P<code>.*?)```", flags=re.S)


def _blocks(page: Path) -> list[str]:
    return [m["code"] for m in BLOCK.finditer(page.read_text()) if not m["mark"]]


def test_the_docs_have_python_examples():
    assert {p.name for p in PAGES} >= {"index.md", "own-energy.md", "own-loop.md", "integrators.md"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_python_block_of_a_page_runs(page, capsys):
    namespace: dict = {}
    for i, block in enumerate(_blocks(page)):
        exec(compile(block, f"{page.name}, block {i}", "exec"), namespace)
    assert capsys.readouterr().out.strip(), f"{page.name}: its examples print nothing to check"


def test_a_marked_block_is_not_run(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1)\n```\n\n<!-- not run: needs a GPU -->\n```python\nraise SystemExit\n```\n")
    assert _blocks(page) == ["print(1)\n"]


def test_the_own_energy_config_loads_the_pages_class(tmp_path, monkeypatch):
    text = (DOCS / "own-energy.md").read_text()
    code = _blocks(DOCS / "own-energy.md")[0]
    cls = re.search(r"^class Thomson\(.*?(?=^\S)", code, flags=re.S | re.M)[0]
    (tmp_path / "my_energies.py").write_text("import equinox as eqx\nimport jax.numpy as jnp\n\n\n" + cls)
    monkeypatch.syspath_prepend(str(tmp_path))
    toml = re.search(r"```toml\n(.*?)```", text, flags=re.S)[1]
    try:
        cfg = config.loads(toml)
        energy = cfg.energy.build()
        assert type(energy).__name__ == "Thomson" and energy.softening == 1e-10
        assert cfg.energy.shape == (6, 3) and len(cfg.schedules) == 2
        with pytest.raises(config.ConfigError, match="unknown key energy.charge"):
            config.loads(toml.replace("softening = 1e-10", "charge = 2.0"))
    finally:
        sys.modules.pop("my_energies", None)  # the user module of this test only


def test_the_configs_page_holds_the_generated_reference():
    text = (DOCS / "configs.md").read_text()
    block = re.search(r"```toml\n(.*?)```", text, flags=re.S).group(1)
    assert block == config.reference_text(), (
        "docs/configs.md is stale: replace its toml block with `langevin-sphere config --reference`"
    )
