"""Benchmark: how well the assistant understands customers (intents, FAQ answers, entities).

Run by hand (never in CI), with nothing else training on the machine:

    .venv/bin/python bench/nlu_eval.py [--folds 5] [--keep]

It trains the NLU pipeline of config.yml with Rasa (``.venv-rasa``) into a temp dir, never
models/, and measures:

(a) intent macro-F1 in k-fold cross-validation over data/nlu/ (seeded, stratified folds),
(b) intent macro-F1 on bench/data/nlu_holdout.yml, messages never used in training,
(c) the share of the holdout's out-of-scope messages the assistant treats as not understood
    (``out_of_scope`` or ``nlu_fallback``).

A message's label is its intent, or for the retrieval intent ``faq`` the sub-intent that the
ResponseSelector picked (``faq/return_policy``), so a right intent with the wrong answer counts
as wrong. ``nlu_fallback`` is scored as ``out_of_scope``: the dialogue treats both as one
misunderstanding (docs/assistant-design.md). Results go to docs/benchmarks/nlu.md (rewritten on
every run), raw predictions and Rasa's logs to var/bench/nlu/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from support_summary import Goal, write_summary  # noqa: E402

RASA_BIN = ROOT / ".venv-rasa" / "bin"
TRAINING_DATA = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "bench" / "data" / "nlu_holdout.yml"
CONFIG = ROOT / "config.yml"
RAW_DIR = ROOT / "var" / "bench" / "nlu"
REPORT = ROOT / "docs" / "benchmarks" / "nlu.md"
FOLD_SEED = 20261123
GOAL_CV_F1 = 0.95
GOAL_HOLDOUT_F1 = 0.90
GOAL_OUT_OF_SCOPE = 0.85
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7)

#: Runs inside .venv-rasa (Python 3.10, Rasa 3.6): the only code that touches Rasa's API.
#: ``split`` writes the folds with Rasa's own reader and writer (so regexes, the lookup table and
#: the FAQ responses travel with every fold); ``parse`` runs trained models over messages.
WORKER = r"""
import asyncio, json, random, re, sys
from collections import defaultdict
from pathlib import Path

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData


def record(example):
    return {
        "text": example.get("text"),
        "label": example.get_full_intent(),
        "entities": [
            {"entity": e["entity"], "value": str(e["value"])}
            for e in example.get("entities") or []
        ],
    }


def write_jsonl(path, examples):
    with open(path, "w", encoding="utf-8") as out:
        for example in examples:
            out.write(json.dumps(record(example), ensure_ascii=False) + "\n")


def split(data_dir, holdout, out, folds, seed):
    data = load_data(data_dir)
    by_label = defaultdict(list)
    for example in data.intent_examples:
        by_label[example.get_full_intent()].append(example)
    rng = random.Random(seed)
    fold_of = [[] for _ in range(folds)]
    start = 0
    for label in sorted(by_label):
        examples = sorted(by_label[label], key=lambda e: e.get("text"))
        rng.shuffle(examples)
        for i, example in enumerate(examples):
            fold_of[(start + i) % folds].append(example)
        start += len(examples)
    for k in range(folds):
        directory = Path(out) / f"fold{k}"
        directory.mkdir(parents=True)
        train = [e for j in range(folds) if j != k for e in fold_of[j]]
        RasaYAMLWriter().dump(
            directory / "train.yml",
            TrainingData(
                training_examples=train,
                entity_synonyms=data.entity_synonyms,
                regex_features=data.regex_features,
                lookup_tables=data.lookup_tables,
                responses=data.responses,
            ),
        )
        write_jsonl(directory / "test.jsonl", fold_of[k])
    write_jsonl(Path(out) / "training.jsonl", data.intent_examples)
    write_jsonl(Path(out) / "holdout.jsonl", load_data(holdout).intent_examples)
    intents = sorted({e.get("intent") for e in data.intent_examples})
    entities = sorted({e["entity"] for x in data.intent_examples for e in x.get("entities") or []})
    with open(Path(out) / "domain.yml", "w", encoding="utf-8") as domain:
        domain.write('version: "3.1"\n')
        domain.write("intents:\n" + "".join(f"  - {i}\n" for i in intents))
        domain.write("entities:\n" + "".join(f"  - {e}\n" for e in entities))


async def parse(jobs):
    from rasa.core.agent import Agent

    for model, source, target in jobs:
        agent = Agent.load(model)
        with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
            for line in lines:
                message = json.loads(line)
                result = await agent.parse_message(message["text"])
                selector = (result.get("response_selector") or {}).get("faq") or {}
                response = selector.get("response") or {}
                message["intent"] = result["intent"]["name"]
                message["confidence"] = result["intent"]["confidence"]
                message["ranking"] = [
                    [r["name"], r["confidence"]] for r in result.get("intent_ranking") or []
                ][:5]
                message["faq"] = response.get("intent_response_key")
                message["faq_confidence"] = response.get("confidence")
                message["predicted_entities"] = [
                    {"entity": e["entity"], "value": str(e["value"])}
                    for e in result.get("entities") or []
                ]
                out.write(json.dumps(message, ensure_ascii=False) + "\n")


if sys.argv[1] == "split":
    split(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
else:
    rest = sys.argv[2:]
    asyncio.run(parse([rest[i : i + 3] for i in range(0, len(rest), 3)]))
"""


# --- running Rasa -------------------------------------------------------------------------------


class Workdir:
    """The temp dir that holds folds, models and Rasa's cache; logs are kept under RAW_DIR."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.worker = path / "worker.py"
        self.worker.write_text(WORKER, encoding="utf-8")
        self.config = path / "config.yml"
        self.cpu_seconds: dict[str, float] = {}  # per step: CPU time of its processes
        shutil.copyfile(CONFIG, self.config)
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
            # Nothing from an earlier run (or from the lead's `rasa train`) is reused.
            "RASA_CACHE_DIRECTORY": str(path / "cache"),
            "RASA_MAX_CACHE_SIZE": "0",
        }

    def run(self, name: str, command: Sequence[str]) -> float:
        """Run ``command`` in the temp dir, its output to RAW_DIR/logs/<name>.log; seconds."""
        log = RAW_DIR / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        started, cpu = time.perf_counter(), _children_cpu()
        with log.open("w", encoding="utf-8") as out:
            completed = subprocess.run(
                command, cwd=self.path, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        if completed.returncode != 0:
            sys.exit(f"{name} failed (exit {completed.returncode}); see {log}")
        self.cpu_seconds[name] = _children_cpu() - cpu
        return time.perf_counter() - started

    def rasa_python(self, name: str, *args: str) -> float:
        return self.run(name, [str(RASA_BIN / "python"), str(self.worker), *args])

    def train(self, name: str, nlu: Path, out: Path) -> tuple[Path, float]:
        seconds = self.run(
            name,
            [
                str(RASA_BIN / "rasa"),
                "train",
                "nlu",
                "--nlu",
                str(nlu),
                "--config",
                str(self.config),
                "--domain",
                str(self.path / "split" / "domain.yml"),
                "--out",
                str(out),
                "--fixed-model-name",
                "model",
            ],
        )
        return out / "model.tar.gz", seconds


def _children_cpu() -> float:
    """CPU seconds used so far by finished child processes: unlike wall time, it does not grow
    when other work shares the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Prediction:
    text: str
    label: str  # the truth: an intent, or faq/<sub-intent>
    intent: str  # the pipeline's intent, after the FallbackClassifier
    confidence: float
    ranking: list[tuple[str, float]]  # before the fallback, best first
    faq: str | None
    entities: list[tuple[str, str]]
    predicted_entities: list[tuple[str, str]]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Prediction:
        return cls(
            text=raw["text"],
            label=raw["label"],
            intent=raw["intent"],
            confidence=float(raw["confidence"]),
            ranking=[(str(n), float(c)) for n, c in raw["ranking"] if n != FALLBACK],
            faq=raw.get("faq"),
            entities=[(e["entity"], e["value"]) for e in raw["entities"]],
            predicted_entities=[(e["entity"], e["value"]) for e in raw["predicted_entities"]],
        )

    def predicted(self, threshold: float | None = None, ambiguity: float = 0.1) -> str:
        """The label the dialogue acts on; with ``threshold``, as if the fallback were set so."""
        if threshold is None:
            intent = self.intent
        else:
            top = self.ranking[0] if self.ranking else (OUT_OF_SCOPE, 0.0)
            second = self.ranking[1][1] if len(self.ranking) > 1 else 0.0
            ambiguous = top[1] - second < ambiguity
            intent = FALLBACK if top[1] < threshold or ambiguous else top[0]
        if intent == FALLBACK:
            return OUT_OF_SCOPE
        if intent == "faq":
            return self.faq or "faq"
        return intent

    @property
    def fell_back(self) -> bool:
        return self.intent == FALLBACK


@dataclass
class Scores:
    """Per-label precision, recall and F1 over the labels that occur in the truth."""

    predictions: list[Prediction]
    threshold: float | None = None
    rows: dict[str, tuple[float, float, float, int]] = field(init=False)

    def __post_init__(self) -> None:
        pairs = [(p.label, p.predicted(self.threshold)) for p in self.predictions]
        truth = Counter(label for label, _ in pairs)
        said = Counter(predicted for _, predicted in pairs)
        right = Counter(label for label, predicted in pairs if label == predicted)
        self.rows = {}
        for label in sorted(truth):
            precision = right[label] / said[label] if said[label] else 0.0
            recall = right[label] / truth[label]
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            self.rows[label] = (precision, recall, f1, truth[label])

    @property
    def macro_f1(self) -> float:
        return sum(row[2] for row in self.rows.values()) / len(self.rows)

    @property
    def accuracy(self) -> float:
        hits = sum(p.label == p.predicted(self.threshold) for p in self.predictions)
        return hits / len(self.predictions)

    def confusions(self) -> list[tuple[str, str, list[str]]]:
        """(truth, predicted, messages), most frequent first."""
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for p in self.predictions:
            predicted = p.predicted(self.threshold)
            if predicted != p.label:
                found[(p.label, predicted)].append(p.text)
        ranked = sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
        return [(truth, predicted, texts) for (truth, predicted), texts in ranked]


def out_of_scope_share(predictions: Iterable[Prediction]) -> tuple[int, int]:
    """How many of the out-of-scope messages were taken as not understood, of how many."""
    wanted = [p for p in predictions if p.label == OUT_OF_SCOPE]
    return sum(p.predicted() == OUT_OF_SCOPE for p in wanted), len(wanted)


def in_scope_fallbacks(predictions: Iterable[Prediction], threshold: float | None = None) -> float:
    in_scope = [p for p in predictions if p.label != OUT_OF_SCOPE]
    if threshold is None:
        fell = sum(p.fell_back for p in in_scope)
    else:
        fell = sum(
            p.predicted(threshold) == OUT_OF_SCOPE and p.ranking[0][0] != OUT_OF_SCOPE
            for p in in_scope
        )
    return fell / len(in_scope)


def entity_scores(predictions: Iterable[Prediction]) -> dict[str, tuple[int, int, int]]:
    """Per entity: (found with the right value, annotated, extracted). Values compare ignoring
    case and surrounding blanks; a message's entities count once each."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in predictions:
        truth = {(e, v.strip().lower()) for e, v in p.entities}
        found = {(e, v.strip().lower()) for e, v in p.predicted_entities}
        for entity, _ in truth:
            counts[entity][1] += 1
        for entity, _ in found:
            counts[entity][2] += 1
        for entity, _ in truth & found:
            counts[entity][0] += 1
    return {entity: (c[0], c[1], c[2]) for entity, c in sorted(counts.items())}


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# --- the report ---------------------------------------------------------------------------------


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit} (with uncommitted changes)" if git("status", "--porcelain") else commit


def rasa_version() -> str:
    done = subprocess.run(
        [str(RASA_BIN / "python"), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def fallback_threshold(config: str) -> str:
    text = config
    found = re.search(r"name: FallbackClassifier\s+threshold: ([0-9.]+)", text)
    return found.group(1) if found else "?"


def met(value: float, goal: float) -> str:
    return "**met**" if value >= goal else "**not met**"


def scores_table(cv: Scores | None, holdout: Scores, counts: Counter[str]) -> list[str]:
    lines = [
        "| label | training examples | CV precision | CV recall | CV F1 | holdout messages "
        "| holdout precision | holdout recall | holdout F1 |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label in sorted(set(counts) | set(holdout.rows)):
        cv_row = cv.rows.get(label) if cv else None
        cv_cells = " | ".join(f"{value:.2f}" for value in cv_row[:3]) if cv_row else "- | - | -"
        h_row = holdout.rows.get(label)
        h_cells = (
            f"{h_row[3]} | " + " | ".join(f"{value:.2f}" for value in h_row[:3])
            if h_row
            else "0 | - | - | -"
        )
        lines.append(f"| {label} | {counts[label]} | {cv_cells} | {h_cells} |")
    return lines


def confusion_lines(scores: Scores, limit: int = 10) -> list[str]:
    confusions = scores.confusions()[:limit]
    if not confusions:
        return ["None."]
    lines = ["| truth | predicted | messages | examples |", "|---|---|--:|---|"]
    for truth, predicted, texts in confusions:
        shown = "; ".join(f"“{t}”" for t in texts[:3]).replace("|", "/")
        lines.append(f"| {truth} | {predicted} | {len(texts)} | {shown} |")
    return lines


def entity_lines(cv: list[Prediction] | None, holdout: list[Prediction]) -> list[str]:
    lines = [
        "| entity | CV recall | CV precision | holdout recall | holdout precision |",
        "|---|--:|--:|--:|--:|",
    ]
    cv_scores = entity_scores(cv) if cv else {}
    h_scores = entity_scores(holdout)

    def cells(found: int, annotated: int, extracted: int) -> str:
        recall = f"{found / annotated:.2f} ({found}/{annotated})" if annotated else "-"
        precision = f"{found / extracted:.2f} ({found}/{extracted})" if extracted else "-"
        return f"{recall} | {precision}"

    for entity in sorted(set(cv_scores) | set(h_scores)):
        cv_cells = cells(*cv_scores[entity]) if entity in cv_scores else "- | -"
        h_cells = cells(*h_scores[entity]) if entity in h_scores else "- | -"
        lines.append(f"| {entity} | {cv_cells} | {h_cells} |")
    return lines


def write_report(
    *,
    cv: list[Prediction] | None,
    holdout: list[Prediction],
    counts: Counter[str],
    timings: dict[str, float],
    cpu: dict[str, float],
    folds: int,
    load_before: str,
    config: str,
) -> tuple[Scores | None, Scores, tuple[int, int]]:
    cv_scores = Scores(cv) if cv else None
    h_scores = Scores(holdout)
    oos_found, oos_total = out_of_scope_share(holdout)
    oos_share = oos_found / oos_total
    threshold = fallback_threshold(config)
    folds_wall = [value for name, value in timings.items() if name.startswith("train-fold")]
    folds_cpu = [value for name, value in cpu.items() if name.startswith("train-fold")]
    lines = [
        "# Benchmark: understanding customers (NLU)",
        "",
        "Written by `bench/nlu_eval.py` (see `bench/README.md`); do not edit by hand.",
        "",
        f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"Rasa {rasa_version()}",
        f"- Load average (1, 5, 15 min) before: {load_before}; after: {load_average()}",
        f"- Took {timings['total'] / 60:.1f} min in all. Training the full model: "
        f"{timings['train-full']:.0f} s ({cpu['train-full']:.0f} s of CPU)"
        + (
            f"; a cross-validation fold: {min(folds_wall):.0f}-{max(folds_wall):.0f} s "
            f"({min(folds_cpu):.0f}-{max(folds_cpu):.0f} s of CPU)"
            if folds_wall
            else ""
        )
        + f"; running the models over all messages: {timings['parse']:.0f} s. CPU time is "
        "the Rasa processes' own (user + system): unlike wall time it does not grow when other "
        "work shares the machine.",
        f"- Training data: {sum(counts.values())} examples of {len(counts)} labels "
        f"(data/nlu/); holdout: {len(holdout)} messages (bench/data/nlu_holdout.yml).",
        f"- Pipeline: config.yml, FallbackClassifier threshold {threshold}.",
        "",
        "## Goals",
        "",
        "| what | goal | result | |",
        "|---|---|---|---|",
    ]
    if cv_scores:
        lines.append(
            f"| intent macro-F1, {folds}-fold cross-validation | ≥ {GOAL_CV_F1:.2f} | "
            f"{cv_scores.macro_f1:.3f} | {met(cv_scores.macro_f1, GOAL_CV_F1)} |"
        )
    lines += [
        f"| intent macro-F1, holdout | ≥ {GOAL_HOLDOUT_F1:.2f} | {h_scores.macro_f1:.3f} | "
        f"{met(h_scores.macro_f1, GOAL_HOLDOUT_F1)} |",
        f"| out-of-scope holdout messages taken as not understood | ≥ {GOAL_OUT_OF_SCOPE:.0%} | "
        f"{oos_share:.0%} ({oos_found}/{oos_total}) | {met(oos_share, GOAL_OUT_OF_SCOPE)} |",
        "",
        "A label is an intent, or for `faq` the answer the ResponseSelector chose "
        "(`faq/return_policy`); `nlu_fallback` counts as `out_of_scope` (the dialogue treats "
        "both as a misunderstanding). Accuracy: "
        + (f"CV {cv_scores.accuracy:.3f}, " if cv_scores else "")
        + f"holdout {h_scores.accuracy:.3f}. In-scope messages that fell back to "
        "`nlu_fallback`: "
        + (f"CV {in_scope_fallbacks(cv):.1%}, " if cv else "")
        + f"holdout {in_scope_fallbacks(holdout):.1%}.",
        "",
        "## Per label",
        "",
        *scores_table(cv_scores, h_scores, counts),
        "",
        "## Worst confusions",
        "",
    ]
    if cv_scores:
        lines += ["Cross-validation:", "", *confusion_lines(cv_scores), ""]
    lines += ["Holdout:", "", *confusion_lines(h_scores), ""]
    if cv:
        lines += [
            "## The fallback threshold",
            "",
            "Chosen on the cross-validation predictions only (never on the holdout): what the "
            "figures would be with another FallbackClassifier threshold (ambiguity threshold "
            "0.1), recomputed from the ranked intents of the same run.",
            "",
            "| threshold | CV macro-F1 | in-scope messages falling back | out-of-scope messages "
            "not understood |",
            "|--:|--:|--:|--:|",
        ]
        for value in SWEEP:
            oos = [p for p in cv if p.label == OUT_OF_SCOPE]
            caught = sum(p.predicted(value) == OUT_OF_SCOPE for p in oos) / len(oos)
            lines.append(
                f"| {value:.1f} | {Scores(cv, value).macro_f1:.3f} | "
                f"{in_scope_fallbacks(cv, value):.1%} | {caught:.0%} |"
            )
        lines.append("")
    lines += [
        "## Entities",
        "",
        "An entity counts as found when the model extracts it with the annotated value "
        "(ignoring case).",
        "",
        *entity_lines(cv, holdout),
        "",
        "Raw predictions (every message with its ranked intents, FAQ answer and entities) and "
        "Rasa's logs: `var/bench/nlu/` (not committed).",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    goals = [
        Goal(
            f"intent macro-F1, {folds}-fold cross-validation ≥ {GOAL_CV_F1:.2f}",
            f"{cv_scores.macro_f1:.3f}" if cv_scores else "not run",
            cv_scores.macro_f1 >= GOAL_CV_F1 if cv_scores else None,
        ),
        Goal(
            f"intent macro-F1, holdout ≥ {GOAL_HOLDOUT_F1:.2f}",
            f"{h_scores.macro_f1:.3f}",
            h_scores.macro_f1 >= GOAL_HOLDOUT_F1,
        ),
        Goal(
            f"out-of-scope holdout messages taken as not understood ≥ {GOAL_OUT_OF_SCOPE:.0%}",
            f"{oos_share:.0%} ({oos_found}/{oos_total})",
            oos_share >= GOAL_OUT_OF_SCOPE,
        ),
    ]
    figures: dict[str, Any] = {"holdout_confusion": confusion_matrix(holdout)}
    if cv:
        figures["cv_confusion"] = confusion_matrix(cv)
    write_summary(
        REPORT.stem,
        title="Understanding customers (NLU)",
        script="bench/nlu_eval.py",
        goals=goals,
        figures=figures,
    )
    return cv_scores, h_scores, (oos_found, oos_total)


def confusion_matrix(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Counts of (true label, predicted label), rows and columns in one sorted label order."""
    pairs = Counter((p.label, p.predicted()) for p in predictions)
    labels = sorted({label for pair in pairs for label in pair})
    return {
        "labels": labels,
        "counts": [[pairs[(truth, said)] for said in labels] for truth in labels],
    }


# --- main ---------------------------------------------------------------------------------------


def check_holdout(split: Path) -> None:
    """Refuse to measure a holdout that leaks into the training data."""
    seen = {normalise(row["text"]) for row in read_jsonl(split / "training.jsonl")}
    leaked = [
        row["text"] for row in read_jsonl(split / "holdout.jsonl") if normalise(row["text"]) in seen
    ]
    if leaked:
        sys.exit("holdout messages found in the training data: " + "; ".join(leaked))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the models")
    args = parser.parse_args(argv)
    if not (RASA_BIN / "rasa").exists():
        sys.exit("no Rasa environment: run `make env` first")

    started, load_before = time.perf_counter(), load_average()
    if RAW_DIR.exists():
        shutil.rmtree(RAW_DIR)
    RAW_DIR.mkdir(parents=True)
    work = Workdir(Path(tempfile.mkdtemp(prefix="nlu-bench-")))
    timings: dict[str, float] = {}
    try:
        # A snapshot, so that editing data/nlu/ during a run cannot mix two versions.
        data = work.path / "data"
        shutil.copytree(TRAINING_DATA, data)
        split = work.path / "split"
        print(f"splitting the training data into {args.folds} folds ...", flush=True)
        work.rasa_python(
            "split",
            "split",
            str(data),
            str(HOLDOUT),
            str(split),
            str(max(args.folds, 2)),
            str(FOLD_SEED),
        )
        check_holdout(split)
        jobs: list[tuple[Path, Path, Path]] = []
        for k in range(args.folds):
            print(f"training fold {k + 1}/{args.folds} ...", flush=True)
            model, timings[f"train-fold{k}"] = work.train(
                f"train-fold{k}", split / f"fold{k}" / "train.yml", split / f"fold{k}"
            )
            jobs.append((model, split / f"fold{k}" / "test.jsonl", RAW_DIR / f"cv-fold{k}.jsonl"))
        print("training the full model ...", flush=True)
        model, timings["train-full"] = work.train("train-full", data, work.path / "full")
        jobs.append((model, split / "holdout.jsonl", RAW_DIR / "holdout.jsonl"))
        print("running the models over the test messages ...", flush=True)
        timings["parse"] = work.rasa_python(
            "parse", "parse", *(str(path) for job in jobs for path in job)
        )
        counts = Counter(row["label"] for row in read_jsonl(split / "training.jsonl"))
        config = work.config.read_text(encoding="utf-8")
        cpu = work.cpu_seconds
    finally:
        if args.keep:
            print(f"kept {work.path}")
        else:
            shutil.rmtree(work.path, ignore_errors=True)

    cv = [
        Prediction.from_json(row)
        for k in range(args.folds)
        for row in read_jsonl(RAW_DIR / f"cv-fold{k}.jsonl")
    ]
    holdout = [Prediction.from_json(row) for row in read_jsonl(RAW_DIR / "holdout.jsonl")]
    timings["total"] = time.perf_counter() - started
    cv_scores, h_scores, (oos_found, oos_total) = write_report(
        cv=cv or None,
        holdout=holdout,
        counts=counts,
        timings=timings,
        cpu=cpu,
        folds=args.folds,
        load_before=load_before,
        config=config,
    )
    summary = {
        "cv_macro_f1": cv_scores.macro_f1 if cv_scores else None,
        "holdout_macro_f1": h_scores.macro_f1,
        "out_of_scope_share": oos_found / oos_total,
        "timings_s": timings,
        "cpu_s": cpu,
    }
    (RAW_DIR / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"report: {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
