"""bench.audit in a tiny mode on the committed two-cell grid: its rows run, both sides give
the same per-cell answers, and its report section says what was run and the goal. No
figure is asserted: this proves it runs, not how fast."""
from __future__ import annotations

from bench import audit
from tests.bench.test_dispatch_benches import bench_db  # noqa: F401 (a fixture)


def test_the_audit_bench_runs_both_sides_and_writes_its_section(bench_db):  # noqa: F811
    result = audit.run(rounds=1, timeout_s=60)
    http, service, town, peer = result["rows"]
    assert result["differences"] == []  # both sides agree on every compared figure
    assert (http.cells, service.cells, peer.cells) == (2, 2, 2)
    for row in (http, service, town, peer):
        assert len(row.times) == 1 and row.median() is not None, row.name
    assert result["size"] == "district"
    text = audit.section(result)
    assert text.startswith("### Staffing audit: GET /audit/staffing vs pandas")
    assert "| ours: GET /audit/staffing (HTTP, whole JSON) |" in text
    assert "≤ 2 s on the city demo. Not judged here: this is the district demo" in text
    assert f"before: {result['load_before']}" in text and "1 rounds" in text
    # the ratio is given for the whole-area rows, not for the town (another area)
    ratios = [line.split("|")[-2].strip() for line in text.splitlines()
              if line.startswith("| ours")]
    assert ratios[0].endswith("x") and ratios[1].endswith("x") and ratios[2] == ""


def test_the_goal_is_judged_on_the_city_only():
    row = audit.Row("ours: GET /audit/staffing (HTTP, whole JSON)", "", times=[2.0], cells=5)
    city = {"rows": [row], "size": "city"}
    assert "**met** (median 2.00 s" in audit.verdict(city)
    row.times = [2.01]
    assert "**not met** (median 2.01 s" in audit.verdict(city)
    row.times = [None]
    assert "**not met** (median timed out" in audit.verdict(city)
