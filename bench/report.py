"""docs/benchmarks.md: every benchmark's goals and figures on one page, with plots.

Reads the summaries the benchmarks write beside their pages (``docs/benchmarks/<page>.json``,
see bench/support_summary.py), draws the plots into ``docs/benchmarks/img/`` and writes the
overview. Runs nothing itself: ``make bench`` runs the benchmarks first (bench/run_all.py), and
``.venv/bin/python bench/report.py`` redraws the page from the summaries already there.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "docs" / "benchmarks"
IMAGES = PAGES / "img"
OVERVIEW = ROOT / "docs" / "benchmarks.md"
#: The order benchmarks appear in: the issues' order, foundation first.
ORDER = (
    "order-lookup",
    "import-throughput",
    "nlu",
    "wismo-turn",
    "gateway-overhead",
    "notification-fanout",
    "load",
)


@dataclass(frozen=True)
class Summary:
    name: str
    data: dict[str, Any]

    @property
    def figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = self.data.get("figures", {})
        return figures


def read_summaries() -> list[Summary]:
    found = {path.stem: path for path in PAGES.glob("*.json")}
    names = [name for name in ORDER if name in found] + sorted(set(found) - set(ORDER))
    return [Summary(name, json.loads(found[name].read_text(encoding="utf-8"))) for name in names]


# --- plots ----------------------------------------------------------------------------------


def _curve(distribution: dict[str, float]) -> tuple[list[float], list[float]]:
    """(percentile, value) points of a summarised distribution."""
    points = sorted(
        (float(key[1:]), value) for key, value in distribution.items() if key.startswith("p")
    )
    return [p for p, _ in points], [v for _, v in points]


def _percentile_axes(axes: Any, ylabel: str) -> None:
    axes.set_xlabel("percentile")
    axes.set_ylabel(ylabel)
    axes.set_xlim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")


def plot_order_lookup(figures: dict[str, Any]) -> Figure:
    rows = figures["rows"]
    backends = sorted({row["backend"] for row in rows})
    figure, axes = plt.subplots(1, len(backends), figsize=(5 * len(backends), 3.6), squeeze=False)
    for ax, backend in zip(axes[0], backends, strict=True):
        for row in (r for r in rows if r["backend"] == backend):
            ax.plot(*_curve(row["ms"]), marker=".", label=f"{row['orders']:,} orders")
        ax.set_title(f"order lookup + timeline, {backend}")
        ax.set_yscale("log")
        _percentile_axes(ax, "ms (log)")
    return figure


def plot_wismo_turn(figures: dict[str, Any]) -> Figure:
    levels = figures["levels"]
    figure, ax = plt.subplots(figsize=(6.5, 3.6))
    width = 0.2
    for i, level in enumerate(levels):
        bars = [
            ("WISMO p50", level["wismo_ms"]["p50"]),
            ("WISMO p95", level["wismo_ms"]["p95"]),
            ("no action p50", level["no_action_ms"]["p50"]),
            ("no action p95", level["no_action_ms"]["p95"]),
        ]
        for j, (label, value) in enumerate(bars):
            ax.bar(
                i + (j - 1.5) * width, value, width, label=label if i == 0 else None, color=f"C{j}"
            )
    ax.set_xticks(range(len(levels)), [f"{lv['concurrency']} concurrent" for lv in levels])
    ax.set_ylabel("ms")
    ax.set_title('a "where is my order?" turn vs a turn with no action')
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return figure


def plot_gateway_overhead(figures: dict[str, Any]) -> Figure:
    held = figures.get("held")
    columns = 2 if held else 1
    figure, axes = plt.subplots(1, columns, figsize=(5.5 * columns, 3.6), squeeze=False)
    ax = axes[0][0]
    for row in figures["latency"]:
        ax.plot(*_curve(row["direct_ms"]), marker=".", label=f"{row['rasa']} Rasa, direct")
        ax.plot(*_curve(row["gateway_ms"]), marker=".", label=f"{row['rasa']} Rasa, gateway")
    ax.set_yscale("log")
    ax.set_title("one turn: direct REST vs socket.io gateway")
    _percentile_axes(ax, "ms (log)")
    if held:
        ax = axes[0][1]
        samples = held["samples"]
        ax.plot([s["at"] for s in samples], [s["rss_mb"] for s in samples])
        ax.set_title(f"gateway memory, {held['connections']} widgets held")
        ax.set_xlabel("s into the hold")
        ax.set_ylabel("RSS (MB)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    return figure


def plot_nlu(figures: dict[str, Any]) -> Figure:
    matrix = figures["holdout_confusion"]
    labels, counts = matrix["labels"], matrix["counts"]
    shares = [[c / max(sum(row), 1) for c in row] for row in counts]
    size = 0.32 * len(labels) + 2
    figure, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize="x-small")
    ax.set_yticks(range(len(labels)), labels, fontsize="x-small")
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            if count:
                colour = "white" if shares[i][j] > 0.5 else "black"
                ax.text(j, i, str(count), ha="center", va="center", fontsize=6, color=colour)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true label")
    ax.set_title("NLU confusion matrix, holdout messages (share of each true label)")
    figure.colorbar(image, ax=ax, fraction=0.03)
    return figure


def plot_notification_fanout(figures: dict[str, Any]) -> Figure:
    runs = figures["runs"]
    figure, axes = plt.subplots(len(runs), 1, figsize=(8, 2.6 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs, strict=True):
        per_second = run["sends_per_second"]
        ax.plot(range(len(per_second)), per_second, linewidth=0.8)
        ax.axhline(figures["telegram_rate"], color="grey", linestyle="--", label="30/s")
        ax.axvspan(
            run["stopped_at_s"],
            run["restarted_at_s"],
            color="C3",
            alpha=0.2,
            label=f"restart ({run['restart']})",
        )
        ax.set_ylabel("messages / s")
        ax.set_title(f"{run['count']:,} notifications, {run['restart']} restart midway")
        ax.legend(fontsize="small", loc="lower right")
        ax.grid(alpha=0.3)
    axes[-1][0].set_xlabel("s since the first message")
    return figure


def plot_load(figures: dict[str, Any]) -> Figure:
    levels = sorted(figures["levels"], key=lambda level: level["concurrency"])
    x = [level["concurrency"] for level in levels]
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 3.8))
    for key, label in (("journey_ms", "journeys over socket.io"), ("floor_ms", "bare Rasa")):
        for p, style in (("p50", ":"), ("p95", "-"), ("p99", "--")):
            values = [level[key].get(p) for level in levels]
            latency.plot(
                x,
                values,
                style,
                marker="o",
                label=f"{label} {p}",
                color="C0" if key == "journey_ms" else "C1",
            )
    latency.set_xscale("log")
    latency.set_yscale("log")
    latency.set_xlabel("concurrent conversations")
    latency.set_ylabel("turn latency, ms (log)")
    latency.legend(fontsize="x-small")
    latency.grid(alpha=0.3)
    for key, label in (("throughput", "journeys"), ("floor_throughput", "bare Rasa")):
        if all(key in level for level in levels):
            throughput.plot(x, [level[key] for level in levels], marker="o", label=label)
    throughput.set_xscale("log")
    throughput.set_xlabel("concurrent conversations")
    throughput.set_ylabel("turns / s")
    throughput.legend(fontsize="small")
    throughput.grid(alpha=0.3)
    return figure


PLOTS: dict[str, Callable[[dict[str, Any]], Figure]] = {
    "order-lookup": plot_order_lookup,
    "wismo-turn": plot_wismo_turn,
    "gateway-overhead": plot_gateway_overhead,
    "nlu": plot_nlu,
    "notification-fanout": plot_notification_fanout,
    "load": plot_load,
}


def draw(summary: Summary) -> Path | None:
    plot = PLOTS.get(summary.name)
    if plot is None:
        return None
    try:
        figure = plot(summary.figures)
    except (KeyError, TypeError, ValueError) as error:  # an older summary's shape
        print(f"   no plot for {summary.name}: {error!r}", file=sys.stderr)
        return None
    IMAGES.mkdir(parents=True, exist_ok=True)
    path = IMAGES / f"{summary.name}.png"
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


# --- the page -------------------------------------------------------------------------------


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else "**met**" if met else "**missed**"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def section(summary: Summary, image: Path | None) -> list[str]:
    data = summary.data
    machine = data.get("machine", {})
    load = ", ".join(f"{x:g}" for x in machine.get("load_average", []))
    lines = [
        f"## {data['title']}",
        "",
        f"[{data['page']}](benchmarks/{data['page']}) · `{data['script']}` · run {data['run']}"
        f" · commit `{data['commit']}` · {machine.get('cores', '?')} cores"
        + (f", load average at the end {load}" if load else ""),
        "",
        "| goal | result | |",
        "|---|---|---|",
    ]
    lines += [
        f"| {_cell(g['goal'])} | {_cell(g['result'])} | {_verdict(g['met'])} |"
        for g in data["goals"]
    ] or ["| (no goal set) | | |"]
    if image is not None:
        lines += ["", f"![{data['title']}](benchmarks/img/{image.name})"]
    return [*lines, ""]


def write_overview(summaries: list[Summary]) -> None:
    goals = [goal for summary in summaries for goal in summary.data["goals"]]
    met = sum(goal["met"] is True for goal in goals)
    missed = sum(goal["met"] is False for goal in goals)
    machines = {
        f"{s.data['machine'].get('cpu')}, {s.data['machine'].get('cores')} cores"
        for s in summaries
        if "machine" in s.data
    }
    missing = [name for name in ORDER if name not in {s.name for s in summaries}]
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/report.py` from the summaries the benchmarks leave beside their pages"
        " in `docs/benchmarks/`; do not edit by hand. `make bench` runs every benchmark and"
        " rewrites this page (`bench/README.md` says what each measures and how long it takes);"
        " each section links to its benchmark's full page.",
        "",
        f"**{met} goals met, {missed} missed** over {len(summaries)} benchmarks.",
        "",
        "Machine" + ("s" if len(machines) > 1 else "") + ": " + "; ".join(sorted(machines)) + ".",
        "Benchmarks run one after the other on a shared 2-core machine; each page records its"
        " load average, and figures taken under load are pessimistic.",
        "",
    ]
    if missing:
        lines += [
            "Not summarised yet (no `docs/benchmarks/<name>.json`; run the benchmark): "
            + ", ".join(f"`{name}`" for name in missing)
            + ".",
            "",
        ]
    for summary in summaries:
        lines += section(summary, draw(summary))
    OVERVIEW.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def main() -> int:
    summaries = read_summaries()
    write_overview(summaries)
    print(f"==> {OVERVIEW.relative_to(ROOT)}: {len(summaries)} benchmarks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
