"""`rasa data validate` on exported training data together with the project's own data and domain,
as the team would check an export before adding it to data/nlu.yml."""

from __future__ import annotations

import subprocess
from pathlib import Path

from stack.processes import BIN, PROJECT_ROOT

PROJECT_DATA = ("nlu.yml", "stories.yml", "rules.yml")


def validate_with_project_data(exported: Path) -> subprocess.CompletedProcess:
    """Copies the project's data next to `exported` (in its own folder) and validates them all."""
    folder = exported.parent
    for name in PROJECT_DATA:
        (folder / name).write_text((PROJECT_ROOT / "data" / name).read_text())
    return subprocess.run(
        [str(BIN / "rasa"), "data", "validate", "--data", str(folder), "--domain", str(PROJECT_ROOT / "domain.yml")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
