"""``langevin-sphere report``: the documentation's result tables are the report's output on the stored results.

- every block of the report (table and notes) stands verbatim in its marked region (``<!-- report: heading -->``) of
  one page, the results pages (``docs/results/*.md``) and the integrators page hold them all, and every table row of
  the README and of the docs comes from the report (the tables of files and layers are documentation, not results);
- the command line prints the same report, writes it into the pages (``--write docs``: nothing to write when they are
  up to date, a stale row rewritten), and fails loudly (exit 2, the file named) when a source is missing;
- end-state kinds (``"outcomes"``) replace the single trapped column where the summaries carry them; schedules that end
  hot are marked; the notes' counts are computed from the study, not written down.
"""

import copy
import re
import shutil
from pathlib import Path

import pytest

from langevin_sphere import io
from langevin_sphere.research import cli, report

ROOT = Path(__file__).parents[1]
RUNS = ROOT / "experiments"
BENCH = ROOT / "benchmarks" / "cpu-2core" / "bench.json"
DOC_TABLES = ("| file | content |", "| layer | modules | what it is |")  # tables documenting files, not results
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _pages() -> str:
    return "\n".join(page.read_text() for page in PAGES)


@pytest.fixture(scope="module")
def text():
    return report.report(RUNS, BENCH)


@pytest.fixture(scope="module")
def sources():
    return report.load_sources(RUNS, BENCH)


def _tables(lines):
    """Markdown tables of ``lines`` as lists of rows (consecutive lines starting with "|")."""
    tables, current = [], []
    for line in lines + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_every_block_of_the_report_stands_verbatim_in_the_docs(text):
    blocks = text.strip().split("\n\n### ")
    assert len(blocks) == 27
    for block in blocks:
        heading, _, body = block.removeprefix("### ").partition("\n\n")
        assert "|" in body and "\n\n" in body, f"block {heading!r} has no table or no notes"
        region = f"<!-- report: {heading} -->\n{body.strip()}\n<!-- /report -->"
        holders = [page.relative_to(ROOT) for page in PAGES if region in page.read_text()]
        assert len(holders) == 1, (
            f"the report's block {heading!r} stands verbatim in its marked region on {holders or 'no page'}, not on "
            "exactly one (`langevin-sphere report --write docs` rewrites the regions)"
        )
    rows = [line for line in text.splitlines() if line.startswith("|")]
    lines = set(_pages().splitlines())
    missing = [row for row in rows if row not in lines]
    assert not missing, f"table rows of the report missing from the docs: {missing[:3]}"


def test_the_results_pages_hold_the_report(text):
    results = {page.name for page in (ROOT / "docs" / "results").glob("*.md")}
    assert results >= {"schedule-comparisons.md", "critical-depth.md", "atlas.md", "performance.md"}
    mark = re.compile(r"^<!-- report: .+ -->$", re.M)
    marked = {str(page.relative_to(ROOT / "docs")) for page in PAGES if mark.search(page.read_text())}
    # the weak-order table and the matrix-free check and cost
    assert marked == {f"results/{name}" for name in results} | {"integrators.md", "diagnostics.md"}


def test_the_command_line_writes_the_pages(text, tmp_path, capsys):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("figures"))
    args = ["report", "--runs", str(RUNS), "--bench", str(BENCH), "--write", str(docs)]
    assert cli.main(args) == 0
    assert capsys.readouterr().out == ""  # the stored pages are up to date: nothing to write
    page = docs / "results" / "schedule-comparisons.md"
    row = "| geometric rate=4 | 1e5 | 0.988 [0.966, 0.996] | 0 / 256 | 3 / 256 | 0 / 256 | 1.338 P (1), 1.381 P (2) |"
    original = page.read_text()
    page.write_text(original.replace(row, "| geometric rate=4 | stale |"))
    assert cli.main(args) == 0
    assert capsys.readouterr().out == f"wrote {page}\n" and page.read_text() == original


def test_every_result_table_of_the_docs_comes_from_the_report(text):
    printed = set(text.splitlines())
    for page in PAGES:
        for table in _tables(page.read_text().splitlines()):
            if table[0] in DOC_TABLES:
                continue
            stale = [row for row in table if row not in printed]
            assert not stale, f"{page.name}: table {table[0]!r} has rows the report does not print: {stale[:3]}"


def test_the_command_line_prints_the_report(text, capsys):
    assert cli.main(["report", "--runs", str(RUNS), "--bench", str(BENCH)]) == 0
    assert capsys.readouterr().out == text


def test_the_default_benchmark_is_found_beside_the_runs_folder(text, capsys):
    assert cli.main(["report", "--runs", str(RUNS)]) == 0
    assert capsys.readouterr().out == text


@pytest.mark.parametrize(
    "missing",
    ["studies/tails_two_well/study.json", "results/default/basins.json", "../benchmarks/cpu-2core/bench.json"],
)
def test_a_missing_source_fails_loudly(tmp_path, capsys, missing):
    runs = tmp_path / "experiments"
    for rel in [*report.SOURCES.values(), "../" + report.BENCH]:
        if rel != missing:
            (runs / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(RUNS / rel, runs / rel)
    with pytest.raises(FileNotFoundError, match=Path(missing).name):
        report.report(runs)
    assert cli.main(["report", "--runs", str(runs)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and Path(missing).name in captured.err


def test_hot_rule():
    assert report.ends_hot(999.0, 1e-3) and not report.ends_hot(1000.0, 1e-3)


def test_final_beta_is_shown_and_hot_schedules_are_marked(sources):
    table = report.schedule_comparison(sources["B"], sources["B_basins"], "landscape B")
    assert "| constant beta=1000 | 1000 | 0.289 [0.251, 0.330] | 364 / 512 |" in table
    assert "| logarithmic c=1 | 3.12 (hot) |" in table


def _with_outcomes(summary, basins, saddle=0):
    """Stored results given end-state kinds: the trapped chains split into minimum / plateau / saddle / unconverged."""
    summary, basins = copy.deepcopy(summary), copy.deepcopy(basins)

    def kinds(n, success, trapped):
        plateau = trapped // 2
        counts = {
            "success": success,
            "minimum": trapped - plateau - saddle - 1,
            "plateau": plateau,
            "saddle": saddle,
            "unconverged": 1,
        }
        return {
            k: {"count": c, "fraction": c / n, "lo": max(0.0, c / n - 0.01), "hi": min(1.0, c / n + 0.01)}
            for k, c in counts.items()
        }

    for s in summary["schedules"]:
        trapped = int(round(s["trapped"] * s["n"]))
        s["outcomes"] = kinds(s["n"], s["n"] - trapped, trapped)
    basins["outcomes"] = kinds(basins["n_starts"], basins["global"]["count"], basins["trapped"]["count"])
    return summary, basins


def test_schedule_tables_split_the_trapped_chains_by_end_state(sources):
    summary, basins = _with_outcomes(sources["B"], sources["B_basins"])
    table = report.schedule_comparison(summary, basins, "landscape B")
    header = table.splitlines()[2]
    assert header == (
        "| schedule | final beta | success [95% CI] | trapped in a minimum (of n) | on a plateau (of n) "
        "| unconverged (of n) |"
    )
    # constant beta = 1000: 148 successes, 364 others = 181 minima + 182 plateaus + 1 unconverged
    assert "| constant beta=1000 | 1000 | 0.289 [0.279, 0.299] | 181 / 512 | 182 / 512 | 1 / 512 |" in table
    assert (
        "| quench of 512 uniform starts (basins.json) | - | 0.305 [0.295, 0.315] | 177 / 512 | 178 / 512 | 1 / 512 |"
        in table
    )
    with_saddles = report.schedule_comparison(*_with_outcomes(sources["B"], sources["B_basins"], saddle=2), "B")
    assert "| at a saddle (of n) |" in with_saddles.splitlines()[2]
    basin_table = report.basin_tables([("B", summary, basins)])
    assert "| trapped in a minimum (of n) | on a plateau (of n) | unconverged (of n) |" in basin_table
    assert (
        "| B: DHEL, circle, M=8, tau=0.1 | 512 | 0.305 [0.295, 0.315] | 177 / 512 | 178 / 512 | 1 / 512 |"
        in basin_table
    )
    # the default experiment's table keeps its final basins beside the kinds
    summary, basins = _with_outcomes(sources["default"], sources["default_basins"])
    assert "| trapped in a minimum (of n) |" in report.default_experiment(summary, basins)


def test_notes_count_from_the_study(sources):
    tails = sources["tails"]["rows"]
    z = [(r["alpha"] - r["alpha_quasi_eq"]) / r["alpha_se"] for r in tails]
    notes = report.tails(sources["tails"])
    assert f"within 3 SE for {sum(abs(x) <= 3 for x in z)} of {len(z)}" in notes
    assert f"largest deviation is {max(z, key=abs):+.2f} SE" in notes
    rows = sources["c_sweep_two_well"]["rows"]
    outside = [r for r in rows if not r["success_lo"] <= r["predicted"] <= r["success_hi"]]
    assert f"outside for {len(outside)}" in report.c_sweep_two_well(sources["c_sweep_two_well"])


def test_speed_ups_say_which_devices_they_compare(sources):
    p0 = report.performance_p0(sources["bench"])
    bench = io.load_json(BENCH)
    base = next(r for r in bench["p0"] if r["implementation"] == "baseline")
    one = next(r for r in bench["p0"] if r["implementation"] == "ls.simulate, 1 device")
    assert "| `ls.simulate` on one device | 1 | " in p0
    assert f"on one device each: `ls.simulate` {one['config_steps_per_s'] / base['config_steps_per_s']:.2f}x" in p0
    sweep = report.performance_sweep(sources["bench"])
    if any(r["implementation"] == "baseline, all devices" for r in bench["sweep"]):
        assert "the baseline on as many devices" in sweep and "like with like" in sweep
    else:
        assert "the baseline on one" in sweep
    if "large_batches" in bench:  # each ratio: the library against the baseline on the same number of devices
        large = report.performance_large_batches(sources["bench"])
        rows = bench["large_batches"]
        for lib, base_name in (("ls.simulate, 1 device", "baseline"), ("ls.simulate, chains", "baseline, all devices")):
            for r in (r for r in rows if r["implementation"] == lib):
                b = next(x for x in rows if x["implementation"] == base_name and (x["M"], x["d"]) == (r["M"], r["d"]))
                assert f"{r['config_steps_per_s'] / b['config_steps_per_s']:.2f}x" in large


def test_write_pages_fills_the_marked_blocks_and_refuses_a_stale_mark(text, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("figures"))
    page = docs / "results" / "atlas.md"
    original = page.read_text()
    head = "<!-- report: best-known minima of symmetric InfoNCE -->\n"
    start = original.index(head) + len(head)
    page.write_text(original[:start] + "| stale |\n" + original[original.index("\n<!-- /report -->", start) :])
    assert report.write_pages(text, docs) == [page]
    assert page.read_text() == original  # the stored pages are what the report writes
    assert report.write_pages(text, docs) == []
    page.write_text(original.replace(head, "<!-- report: no such table -->\n"))
    with pytest.raises(ValueError, match="no such table"):
        report.write_pages(text, docs)


def test_write_pages_fills_a_new_empty_mark_and_leaves_the_next_one_alone(text, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("figures"))
    page = docs / "results" / "performance.md"
    original = page.read_text()
    head = "<!-- report: performance: successive calls -->\n"
    start = original.index(head) + len(head)
    page.write_text(original[:start] + original[original.index("<!-- /report -->", start) :])  # a mark just added
    assert report.write_pages(text, docs) == [page]
    assert page.read_text() == original
