"""The cost study of the matrix-free diagnostics (``langevin-sphere study matrix-free-cost``): one process per size,
stored rows, resumable. The stored table itself is ``experiments/studies/matrix_free_cost/study.json``."""

import subprocess

import pytest

from langevin_sphere import io, landscape
from langevin_sphere.research.studies import matrix_free


@pytest.mark.slow  # ~30 s: a fresh process imports JAX and compiles the quench and classification
def test_each_size_runs_in_its_own_process_and_a_second_call_resumes(tmp_path, monkeypatch):
    out = tmp_path / "cost"
    result = matrix_free.matrix_free_cost_study(out, sizes="8:4")
    (row,) = result["rows"]
    assert (row["M"], row["d"], row["N"]) == (8, 4, 48)
    assert row["kind"] in landscape.KINDS and row["quench_grad_norm"] < 1e-5
    assert row["peak_rss_bytes"] >= row["rss_floor_bytes"] > 0 and row["classify_seconds"] > 0
    assert io.load_json(out / "study.json")["rows"] == [row]

    def refuse(*args, **kwargs):
        raise AssertionError("a stored size ran again")

    monkeypatch.setattr(subprocess, "run", refuse)
    assert matrix_free.matrix_free_cost_study(out, sizes="8:4")["rows"] == [row]
