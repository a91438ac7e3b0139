"""The reviewer's remembered choices (name, auto-advance, consensus view) in ``<config>/review.json``.

``<config>`` is the user config folder or ``IMAGING_EXPLORER_CONFIG`` (:mod:`imaging_explorer._dirs`),
as for the channel settings. No Qt here.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from imaging_explorer._dirs import config_dir


def config_path() -> Path:
    return config_dir() / "review.json"


def load_review_config() -> dict[str, Any]:
    """The saved choices ({} when there are none or the file is unreadable)."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_review_config(**values: Any) -> None:
    """Merge ``values`` into the saved choices (written atomically; errors are ignored)."""
    path = config_path()
    data = {**load_review_config(), **values}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".review-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass

