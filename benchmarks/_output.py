"""How every benchmark ends: its result as one JSON object on the last line of output, and written to
``--save PATH`` only when asked (running a benchmark never overwrites committed results by itself)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def emit(result: dict[str, Any], save: Path | None) -> None:
    if save is not None:
        save.parent.mkdir(parents=True, exist_ok=True)
        save.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))
