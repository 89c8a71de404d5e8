"""examples/scenario.py, run against the installed wheel, prints exactly the
checkpoints of bindings/SCENARIO.md."""

import re
import subprocess
import sys
from pathlib import Path

BINDINGS = Path(__file__).resolve().parents[2]


def scenario_checkpoints():
    table = (BINDINGS / "SCENARIO.md").read_text()
    scenario = table[table.index("## The scenario") : table.index("## The interop ring")]
    return [f"checkpoint {name}" for name in re.findall(r"^\| \d+ \| `([a-z0-9-]+)` \|", scenario, re.M)]


def test_the_scenario_prints_the_twelve_checkpoints_of_scenario_md(tmp_path):
    expected = scenario_checkpoints()
    assert len(expected) == 12
    result = subprocess.run(
        [sys.executable, str(BINDINGS / "python" / "examples" / "scenario.py")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected
