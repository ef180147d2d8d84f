"""Every benchmark in ``bench/`` runs at a tiny size, so that no change leaves one broken.

The figures are not checked here (benchmarks print ratios beside the bare stack; timed tests
would be flaky); each bench must finish, and its own checks (the ledger check) must pass. They
run on the suite's database kind: PostgreSQL when ``DATABASE_URL`` is set, else SQLite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clock import skip_under_faketime

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "shop_bench.py": (
        ["--products", "40", "--orders", "20", "--seconds", "1", "--rounds", "1"],
        "product, signed in",
    ),
    "centre_bench.py": (
        [
            "--orders",
            "300",
            "--events",
            "1000",
            "--creators",
            "5",
            "--small-store",
            "40",
            "--withdrawals",
            "20",
            "--seconds",
            "1",
            "--rounds",
            "1",
        ],
        "finance queue",
    ),
    "import_bench.py": (["--rows", "50", "--variants", "2"], "in the store"),
    "ledger_bench.py": (["--entries", "200", "--threads", "2"], "ok=True"),
    "payouts_bench.py": (["--count", "20", "--workers", "1"], "ok=True"),
    "events_bench.py": (
        [
            "--events",
            "500",
            "--creators",
            "5",
            "--sample",
            "20",
            "--ingest",
            "200",
            "--offer",
            "5000",
        ],
        "sustained",
    ),
    "search_bench.py": (
        ["--products", "60", "--seconds", "1", "--rounds", "1"],
        "search: two words",
    ),
}


def test_every_bench_has_a_tiny_run():
    benches = {path.name for path in (ROOT / "bench").glob("*_bench.py")}
    assert benches == set(TINY)


@skip_under_faketime  # benches time themselves with sleeps and timed waits; no date logic
@pytest.mark.parametrize("bench", sorted(TINY))
def test_the_bench_runs_at_a_tiny_size(bench, tmp_path):
    arguments, expected = TINY[bench]
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    finished = subprocess.run(  # noqa: S603 - the project's own bench, with fixed arguments
        [sys.executable, str(ROOT / "bench" / bench), *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert expected in finished.stdout, finished.stdout[-3000:]
