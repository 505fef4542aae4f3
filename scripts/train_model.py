"""Train the Rasa model of the current training data, unless it exists already.

    python scripts/train_model.py            # `make train`
    python scripts/train_model.py --force    # train even when the model exists

Rasa's own output goes to ``var/log/train.log``; the terminal shows which component is training
and for how long (on a terminal, one line that updates; otherwise a line per component).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from model_fingerprint import ROOT, model_path
from supervisor import log_tail, spawn, stop_processes

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
LOG_DIR = ROOT / "var" / "log"
SPINNER = "|/-\\"
# Rasa trains a component, or restores it from its cache (.rasa/) when its inputs are unchanged.
_COMPONENT = re.compile(r"(Starting to train|Restored) component '(\w+)'")
_PERCENT = re.compile(r"Epochs:\s+(\d+)%")


class TrainingFailed(Exception):
    """``rasa train`` ended with an error; the message says where its log is."""


def rasa_environment() -> dict[str, str]:
    """The environment every Rasa command runs in: no telemetry, less TensorFlow noise."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


class TrainingProgress:
    """What ``rasa train`` is doing, read from its output as it grows."""

    def __init__(self) -> None:
        self.component: str | None = None
        self.restored = False
        self.percent: str | None = None
        self._pending = ""  # an unfinished last line, completed by the next chunk

    def feed(self, text: str) -> None:
        text, self._pending = self._pending + text, ""
        end = max(text.rfind("\n"), text.rfind("\r"))
        text, self._pending = text[: end + 1], text[end + 1 :]
        components = list(_COMPONENT.finditer(text))
        if components:
            self.restored = components[-1].group(1) == "Restored"
            self.component = components[-1].group(2)
            self.percent = None
            text = text[components[-1].end() :]
        percents = _PERCENT.findall(text)
        if percents:
            self.percent = percents[-1]

    @property
    def status(self) -> str:
        if self.component is None:
            return "loading Rasa, validating the training data"
        if self.restored:
            return f"restored {self.component} from the training cache"
        suffix = f" {self.percent}%" if self.percent else ""
        return f"training {self.component}{suffix}"


def training_status(log_text: str) -> str:
    """A short description of what ``rasa train`` is doing, from its output so far."""
    progress = TrainingProgress()
    progress.feed(log_text + "\n")
    return progress.status


def _elapsed(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def train(target: Path, *, log_path: Path | None = None) -> float:
    """Run ``rasa train`` into ``target`` (models/<fingerprint>.tar.gz); returns the seconds.

    Rasa writes to a temporary name that is renamed at the end, so an interrupted training never
    leaves a file that looks like a finished model.
    """
    log_path = log_path or LOG_DIR / "train.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Rasa keeps a name that ends in .tar.gz as it is (and replaces any other suffix).
    partial = target.with_name(f"{target.name.removesuffix('.tar.gz')}-partial.tar.gz")
    command = [
        str(RASA),
        "train",
        "--config", str(ROOT / "config.yml"),
        "--domain", str(ROOT / "domain.yml"),
        "--data", str(ROOT / "data"),
        "--out", str(target.parent),
        "--fixed-model-name", partial.name,
    ]  # fmt: skip
    interactive = sys.stdout.isatty()
    started = time.monotonic()
    progress = TrainingProgress()
    shown: str | None = "-"  # the component last printed (not a possible component name)
    with log_path.open("wb") as log, log_path.open("rb") as output:
        process = spawn(command, log, cwd=ROOT, env=rasa_environment())
        try:
            while process.poll() is None:
                time.sleep(0.25)
                progress.feed(output.read().decode("utf-8", errors="replace"))
                elapsed = time.monotonic() - started
                if interactive:
                    spin = SPINNER[int(elapsed * 4) % len(SPINNER)]
                    line = f"    {spin} {_elapsed(elapsed)}  {progress.status}"
                    print(f"\r{line:<72}", end="", flush=True)
                elif progress.component != shown:  # a line per component in logs and CI
                    print(f"    {_elapsed(elapsed)}  {progress.status}", flush=True)
                    shown = progress.component
        finally:
            if interactive:
                print("\r" + " " * 72 + "\r", end="", flush=True)
            stop_processes([process])
    if process.returncode != 0:
        raise TrainingFailed(
            f"rasa train failed (exit code {process.returncode}); its log is {log_path}:\n"
            + log_tail(log_path)
        )
    partial.replace(target)
    return time.monotonic() - started


def ensure_model(*, force: bool = False) -> Path:
    """The model of the current training data, trained first when it does not exist."""
    target = model_path()
    shown = target.relative_to(ROOT)
    if target.exists() and not force:
        print(f"==> model {shown} matches the training data (no training needed)")
        return target
    print(
        f"==> training the Rasa model {shown} (about a minute or two; log: var/log/train.log)",
        flush=True,
    )
    seconds = train(target)
    print(f"    trained in {_elapsed(seconds)}")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="train even if the model exists")
    parser.add_argument(
        "--print-path",
        action="store_true",
        help="print the model's path on stdout (progress goes to stderr), for other commands",
    )
    args = parser.parse_args(argv)
    try:
        with contextlib.redirect_stdout(sys.stderr if args.print_path else sys.stdout):
            model = ensure_model(force=args.force)
        if args.print_path:
            print(model)
    except TrainingFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ntraining interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
