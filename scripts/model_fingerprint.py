"""The trained model's name: a hash of everything Rasa trains it from.

``models/<fingerprint>.tar.gz`` exists exactly when a model of the current training data does,
so ``make run`` trains only after ``data/``, ``domain.yml``, ``config.yml`` or the Rasa version
(``requirements/rasa.lock``) changed, and switching branches back finds the earlier model.

    python scripts/model_fingerprint.py    # prints the model path for the current data
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Files and directories whose content decides the model. A domain may be one file or a directory.
TRAINING_INPUTS = ("config.yml", "domain.yml", "domain", "data", "requirements/rasa.lock")
FINGERPRINT_LENGTH = 16


def training_files(root: Path = ROOT) -> Iterator[Path]:
    """Every file the model is trained from, in a stable order."""
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            # Editor backups and hidden files do not change what Rasa reads.
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )


def _content(path: Path) -> bytes:
    """The bytes that matter: a lock file's pins without its comments (headers, "# via")."""
    if path.suffix != ".lock":
        return path.read_bytes()
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#")).encode()


def fingerprint(root: Path = ROOT) -> str:
    """A short hex digest of the training files' relative paths and contents."""
    digest = hashlib.sha256()
    for path in training_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(_content(path))
        digest.update(b"\0")
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def model_path(root: Path = ROOT) -> Path:
    """Where the model of the current training data is (or will be) stored."""
    return root / "models" / f"{fingerprint(root)}.tar.gz"


if __name__ == "__main__":
    print(model_path().relative_to(ROOT))
    sys.exit(0)
