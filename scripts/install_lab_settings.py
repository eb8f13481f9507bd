"""Install the course's JupyterLab settings overrides (jupyter/overrides.json) where JupyterLab 4
reads them: ``{sys.prefix}/share/jupyter/lab/settings/overrides.json``. Keys already there from
elsewhere are kept; ours are merged in. Run by `make venv`, `make lab` and Binder's postBuild."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OURS = Path(__file__).parents[1] / "jupyter" / "overrides.json"


def target(prefix: str = sys.prefix) -> Path:
    """Where JupyterLab 4 looks for overrides in the environment at ``prefix``."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def merged(existing: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """``existing`` with each of our plugins' settings laid over it."""
    result = {plugin: dict(values) for plugin, values in existing.items()}
    for plugin, values in ours.items():
        result.setdefault(plugin, {}).update(values)
    return result


def install(prefix: str = sys.prefix) -> Path:
    """Write the merged overrides into the environment at ``prefix``; return the file's path."""
    path = target(prefix)
    existing = json.loads(path.read_text()) if path.exists() else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged(existing, json.loads(OURS.read_text())), indent=2) + "\n")
    return path


if __name__ == "__main__":
    print(f"JupyterLab settings overrides: {install()}")
