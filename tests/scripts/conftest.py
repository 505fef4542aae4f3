"""The developer scripts are plain files, not a package: make them importable by name."""

from __future__ import annotations

import sys

from delivery.settings import PROJECT_ROOT

SCRIPTS = str(PROJECT_ROOT / "scripts")
if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)
