"""The README's API example runs as printed (the README is part of the contract)."""

import re
from pathlib import Path


def test_readme_api_example_runs(capsys):
    text = (Path(__file__).parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no python example"
    exec(compile(blocks[0], "README.md", "exec"), {})
    fraction = float(capsys.readouterr().out.strip().splitlines()[-1])
    assert fraction > 0.9  # M <= d + 1 is a benign landscape: nearly every annealed chain reaches the simplex
