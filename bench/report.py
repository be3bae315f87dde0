"""Medians, ratios, targets: the tables the benchmark prints, and its chart."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cores import C_CORE, PYTHON_CORE, SIDES
from variants import FLOOR, NO_FAST_PATH, PRODUCT, SERVER, SYNC_IN_AIOMOTO, VARIANTS
from workloads import OPS, Op


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else math.nan


def selected(raw: Mapping[str, Any]) -> list[Op]:
    return [op for op in OPS if op.key in raw["op_keys"]]


def geometric_mean(values: Iterable[float]) -> float:
    values = [v for v in values if v > 0 and math.isfinite(v)]
    if not values:
        return math.nan
    return math.exp(sum(math.log(v) for v in values) / len(values))


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    numerator: str
    denominator: str


# Ratios between variants, per operation (times, so lower is faster for the
# numerator).
OP_RATIOS = (
    Ratio("product_vs_floor", "aiomoto aio / moto boto3", PRODUCT.key, FLOOR.key),
    Ratio("server_vs_product", "server aio / aiomoto aio", SERVER.key, PRODUCT.key),
    Ratio(
        "sync_vs_floor", "aiomoto boto3 / moto boto3", SYNC_IN_AIOMOTO.key, FLOOR.key
    ),
    Ratio(
        "nofast_vs_product",
        "fast path off / on (aio)",
        NO_FAST_PATH.key,
        PRODUCT.key,
    ),
)


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    value: float
    bound: float
    # "max": value must be at most bound; "min": at least.
    kind: str
    aim: float | None = None

    @property
    def met(self) -> bool:
        if math.isnan(self.value):
            return False
        return (
            self.value <= self.bound if self.kind == "max" else self.value >= self.bound
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "bound": self.bound,
            "kind": self.kind,
            "aim": self.aim,
            "met": self.met,
        }


def summarize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Medians of the rounds, the ratios between variants and the targets."""
    ops: dict[str, dict[str, float]] = {
        op.key: {v: median(raw["ops"][op.key].get(v, [])) for v in raw["variants"]}
        for op in selected(raw)
    }
    ratios: dict[str, dict[str, float]] = {}
    for ratio in OP_RATIOS:
        if (
            ratio.numerator not in raw["variants"]
            or ratio.denominator not in raw["variants"]
        ):
            continue
        per_op = {
            op.key: ops[op.key][ratio.numerator] / ops[op.key][ratio.denominator]
            for op in selected(raw)
        }
        per_op["geomean"] = geometric_mean(per_op.values())
        ratios[ratio.key] = per_op

    tests = {
        session: {who: median(values) for who, values in by_who.items()}
        for session, by_who in raw.get("tests", {}).items()
    }
    worker_ops = {
        op: {who: median(values) for who, values in by_who.items()}
        for op, by_who in raw.get("worker_ops", {}).items()
    }
    incumbent_per_op = {
        op: times.get("incumbent", math.nan) / times.get("aiomoto", math.nan)
        for op, times in worker_ops.items()
    }
    if incumbent_per_op:
        incumbent_per_op["geomean"] = geometric_mean(incumbent_per_op.values())

    enter_exit = {k: median(v) for k, v in raw["enter_exit"].items()}
    imports = {k: median(v) for k, v in raw["imports"].items()}
    streaming = {k: median(v) for k, v in raw["streaming"].items()}
    concurrency = {k: median(v) for k, v in raw["concurrency"].items()}
    memory = raw["memory"]

    nan = math.nan

    def test_ratio(session: str, numerator: str, denominator: str) -> float:
        times = tests.get(session, {})
        return times.get(numerator, nan) / times.get(denominator, nan)

    targets = [
        Target(
            "test_fresh_vs_floor",
            "test with a fresh session: aiomoto / boto3 on moto.mock_aws (CPU)",
            test_ratio("fresh", "aiomoto", "moto_boto3"),
            0.3,
            "max",
        ),
        Target(
            "test_fresh_vs_incumbent",
            "test with a fresh session: incumbent 0.5.8 / aiomoto (CPU)",
            test_ratio("fresh", "incumbent", "aiomoto"),
            3.0,
            "min",
        ),
        Target(
            "ops_vs_incumbent",
            "per call: incumbent 0.5.8 / aiomoto (CPU, geomean of 6 ops)",
            incumbent_per_op.get("geomean", nan),
            2.0,
            "min",
        ),
        Target(
            "ops_product_vs_floor",
            "aiobotocore via aiomoto / boto3 on moto.mock_aws (geomean of ops)",
            ratios.get("product_vs_floor", {}).get("geomean", nan),
            0.6,
            "max",
        ),
        Target(
            "plugin_import",
            "import aiomoto.pytest_plugin after pytest (ms CPU)",
            imports.get("plugin", nan) * 1e3,
            10.0,
            "max",
        ),
        Target(
            "ops_server_vs_product",
            "aiobotocore vs Moto server / via aiomoto (geomean of ops)",
            ratios.get("server_vs_product", {}).get("geomean", nan),
            4.0,
            "min",
        ),
        Target(
            "enter_exit",
            "aiomoto enter+exit / moto enter+exit",
            enter_exit.get("aiomoto", nan) / enter_exit.get("moto", nan),
            0.5,
            "max",
        ),
        Target(
            "streaming",
            "64 MiB streamed: aiomoto aio / moto boto3 throughput",
            streaming.get(PRODUCT.key, nan) / streaming.get(FLOOR.key, nan),
            1.0,
            "min",
        ),
        Target(
            "memory",
            "256 MiB get, aiomoto aio: peak memory growth / object size",
            memory.get(PRODUCT.key, {}).get("growth_bytes", nan) / raw["memory_size"]
            if PRODUCT.key in memory
            else nan,
            2.0,
            "max",
        ),
    ]
    return {
        "ops_median_seconds": ops,
        "ratios": ratios,
        "enter_exit_median_seconds": enter_exit,
        "import_median_seconds": imports,
        "streaming_median_mib_per_second": streaming,
        "concurrency_median_puts_per_second": concurrency,
        "memory": memory,
        "tests_median_cpu_seconds": tests,
        "worker_ops_median_cpu_seconds": worker_ops,
        "incumbent_vs_aiomoto_per_op": incumbent_per_op,
        "cores": summarize_cores(raw["cores"], selected(raw)) if "cores" in raw else {},
        "targets": {t.key: t.as_json() for t in targets},
    }


def summarize_cores(cores: Mapping[str, Any], ops: Sequence[Op]) -> dict[str, Any]:
    """Medians on each core, and Python core / C core for each measurement."""

    def medians(by_side: Mapping[str, list[float]]) -> dict[str, float]:
        return {side: median(by_side.get(side, [])) for side in SIDES}

    def ratio(times: Mapping[str, float]) -> float:
        return times[PYTHON_CORE] / times[C_CORE]

    times = {op.key: cores["ops"].get(op.key, {}) for op in ops}
    per_op = {key: medians(by_side) for key, by_side in times.items()}
    per_op_ratios = {key: ratio(by_side) for key, by_side in per_op.items()}
    per_op_ratios["geomean"] = geometric_mean(per_op_ratios.values())
    # Each round's two sides ran next to each other: how far a round's
    # geometric mean strays shows how much the machine's noise moves it.
    rounds = min(
        (len(by_side.get(side, [])) for by_side in times.values() for side in SIDES),
        default=0,
    )
    by_round = [
        geometric_mean(
            by_side[PYTHON_CORE][n] / by_side[C_CORE][n] for by_side in times.values()
        )
        for n in range(rounds)
    ]
    test = medians(cores["tests"])
    stream = medians(cores["streaming"])
    return {
        "ops_median_cpu_seconds": per_op,
        "python_vs_c_per_op": per_op_ratios,
        "python_vs_c_geomean_by_round": by_round,
        "test_fresh_median_cpu_seconds": test,
        "test_fresh_python_vs_c": ratio(test),
        "stream_median_cpu_seconds": stream,
        "stream_python_vs_c": ratio(stream),
        "runs": cores["runs"],
    }


# --- Printing ---------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append(
        "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"
    )
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1e3:.3f}"


def _x(ratio: float) -> str:
    return "n/a" if math.isnan(ratio) else f"{ratio:.2f}"


def format_report(raw: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
    variants = [v for v in VARIANTS if v.key in raw["variants"]]
    ratios = [r for r in OP_RATIOS if r.key in summary["ratios"]]
    ops = summary["ops_median_seconds"]
    out = [
        f"Medians of {raw['rounds']} interleaved rounds, {raw['calls']} calls per "
        "operation per round; times in ms per call.",
        "",
        "Variants: " + "; ".join(f"`{v.key}` = {v.label}" for v in variants),
        "",
    ]
    rows = []
    for op in selected(raw):
        rows.append(
            [op.label]
            + [_ms(ops[op.key][v.key]) for v in variants]
            + [_x(summary["ratios"][r.key][op.key]) for r in ratios]
        )
    rows.append(
        ["geometric mean"]
        + [""] * len(variants)
        + [_x(summary["ratios"][r.key]["geomean"]) for r in ratios]
    )
    out.append(
        _table(
            ["operation"]
            + [f"`{v.key}`" for v in variants]
            + [r.label for r in ratios],
            rows,
        )
    )

    out += _worker_tables(raw, summary)
    out += _core_table(raw, summary)

    out += ["", "Other measurements (medians):", ""]
    other = []
    ee = summary["enter_exit_median_seconds"]
    for key, label in (
        ("moto", "moto.mock_aws()"),
        ("aiomoto", "aiomoto.mock_aws()"),
        ("aiomoto_nofast", "aiomoto.mock_aws(), AIOMOTO_FAST_PATH=0"),
    ):
        if key in ee:
            other.append([f"enter+exit, {label}", f"{_ms(ee[key])} ms"])
    for key, label in (
        ("aiomoto", "import aiomoto; aiomoto.mock_aws"),
        ("moto", "from moto import mock_aws"),
    ):
        if key in summary["import_median_seconds"]:
            seconds = summary["import_median_seconds"][key]
            other.append([f"{label} (fresh interpreter)", f"{_ms(seconds)} ms"])
    if "plugin" in summary["import_median_seconds"]:
        seconds = summary["import_median_seconds"]["plugin"]
        other.append(
            [
                "import aiomoto.pytest_plugin after import pytest (CPU)",
                f"{_ms(seconds)} ms",
            ]
        )
    for v in variants:
        value = summary["streaming_median_mib_per_second"].get(v.key)
        if value is not None:
            other.append([f"64 MiB in 1 MiB reads, `{v.key}`", f"{value:.0f} MiB/s"])
    for v in variants:
        value = summary["concurrency_median_puts_per_second"].get(v.key)
        if value is not None:
            how = "1,000 asyncio tasks" if v.is_async else "10 threads"
            other.append([f"1,000 puts, {how}, `{v.key}`", f"{value:.0f} puts/s"])
    size = raw["memory_size"]
    for v in variants:
        result = summary["memory"].get(v.key)
        if result is not None:
            growth = result["growth_bytes"]
            other.append(
                [
                    f"{size >> 20} MiB get, peak memory growth, `{v.key}`",
                    f"{growth / (1 << 20):.0f} MiB ({growth / size:.2f}x)",
                ]
            )
    out.append(_table(["measurement", "median"], other))

    out += ["", "Targets:", ""]
    target_rows = []
    for t in summary["targets"].values():
        bound = ("<= " if t["kind"] == "max" else ">= ") + f"{t['bound']:g}"
        if t["aim"] is not None:
            bound += f" (aim {t['aim']:g})"
        if math.isnan(t["value"]):
            status = "not measured"
        else:
            status = "met" if t["met"] else "NOT met"
        target_rows.append([t["label"], _x(t["value"]), bound, status])
    out.append(_table(["target", "value", "bound", ""], target_rows))
    return "\n".join(out)


TEST_COLUMNS = (
    ("aiomoto", "aiomoto (aiobotocore)"),
    ("incumbent", "incumbent 0.5.8 (aiobotocore)"),
    ("moto_boto3", "boto3, moto.mock_aws"),
    ("server_aio", "aiobotocore, ThreadedMotoServer"),
)
TEST_RATIOS = (
    ("aiomoto", "moto_boto3", "aiomoto / boto3 on Moto"),
    ("incumbent", "aiomoto", "incumbent / aiomoto"),
    ("server_aio", "aiomoto", "server / aiomoto"),
)


def _worker_tables(raw: Mapping[str, Any], summary: Mapping[str, Any]) -> list[str]:
    tests = summary.get("tests_median_cpu_seconds", {})
    if not tests:
        return []
    versions = raw.get("worker_versions", {})
    out = [
        "",
        "A test as users write it, in worker processes (CPU ms per test, median "
        "of all runs): enter the mock, a session (fresh: made in the test; warm: "
        "made once before), an S3 client, create a bucket, put and get a 100 B "
        "object, exit.",
        "",
    ]
    columns = [c for c in TEST_COLUMNS if any(c[0] in t for t in tests.values())]
    ratios = [
        r
        for r in TEST_RATIOS
        if all(any(w in t for t in tests.values()) for w in r[:2])
    ]
    rows = []
    for session in ("fresh", "warm"):
        times = tests.get(session, {})
        rows.append(
            [f"{session} session"]
            + [_ms(times.get(who, math.nan)) for who, _ in columns]
            + [
                _x(times.get(a, math.nan) / times.get(b, math.nan))
                for a, b, _ in ratios
            ]
        )
    out.append(
        _table(
            ["test", *(label for _, label in columns), *(r[2] for r in ratios)], rows
        )
    )
    worker_ops = summary.get("worker_ops_median_cpu_seconds", {})
    per_op = summary.get("incumbent_vs_aiomoto_per_op", {})
    if worker_ops:
        out += [
            "",
            "Per call against the incumbent, both in worker processes "
            "(CPU ms per call, median of rounds):",
            "",
        ]
        rows = [
            [
                op,
                _ms(times.get("aiomoto", math.nan)),
                _ms(times.get("incumbent", math.nan)),
                _x(per_op.get(op, math.nan)),
            ]
            for op, times in worker_ops.items()
        ]
        rows.append(["geometric mean", "", "", _x(per_op.get("geomean", math.nan))])
        out.append(
            _table(
                ["operation", "aiomoto", "incumbent 0.5.8", "incumbent / aiomoto"], rows
            )
        )
    if versions:
        out += [
            "",
            "Workers: "
            + "; ".join(
                f"{name}: " + ", ".join(f"{k} {v}" for k, v in found.items())
                for name, found in versions.items()
            ),
        ]
    return out


def _core_table(raw: Mapping[str, Any], summary: Mapping[str, Any]) -> list[str]:
    cores = summary.get("cores", {})
    if not cores:
        return []
    per_op = cores["ops_median_cpu_seconds"]
    ratios = cores["python_vs_c_per_op"]
    rows = [
        [
            op.label,
            _ms(per_op[op.key][C_CORE]),
            _ms(per_op[op.key][PYTHON_CORE]),
            _x(ratios[op.key]),
        ]
        for op in selected(raw)
    ]
    rows.append(["geometric mean of the operations", "", "", _x(ratios["geomean"])])
    for label, times, ratio in (
        (
            "test with a fresh session (per test)",
            cores["test_fresh_median_cpu_seconds"],
            cores["test_fresh_python_vs_c"],
        ),
        (
            "64 MiB in 1 MiB reads (per object)",
            cores["stream_median_cpu_seconds"],
            cores["stream_python_vs_c"],
        ),
    ):
        rows.append([label, _ms(times[C_CORE]), _ms(times[PYTHON_CORE]), _x(ratio)])
    runs = cores["runs"]
    by_round = ", ".join(_x(r) for r in cores["python_vs_c_geomean_by_round"])
    return [
        "",
        "What the C core buys: aiobotocore in aiomoto.mock_aws on the C core and "
        "on the Python core, each in a worker process of its own, in turns "
        "(CPU ms, median of rounds; per call for the operations):",
        "",
        _table(["measurement", "C core", "Python core", "Python / C"], rows),
        "",
        f"Geometric mean of the operations, round by round: {by_round}.",
        "",
        "Cores: "
        + "; ".join(
            f"{side} side ran the {run['core']} core ({run['reason']}; compiled "
            f"aiomoto modules: {', '.join(run['compiled']) or 'none'})"
            for side, run in runs.items()
        ),
    ]


# --- The chart --------------------------------------------------------------


def draw_chart(raw: Mapping[str, Any], summary: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = [v for v in VARIANTS if v.key in raw["variants"]]
    ops = summary["ops_median_seconds"]
    figure, (left, middle, cores, right) = plt.subplots(
        1, 4, figsize=(25, 6), gridspec_kw={"width_ratios": [2.2, 1, 0.9, 1.1]}
    )
    _draw_tests(middle, summary)
    _draw_cores(cores, raw, summary)

    shown = selected(raw)
    width = 0.8 / len(variants)
    for n, variant in enumerate(variants):
        xs = [i + (n - (len(variants) - 1) / 2) * width for i in range(len(shown))]
        ys = [ops[op.key][variant.key] * 1e3 for op in shown]
        left.bar(xs, ys, width, label=variant.label)
    left.set_xticks(range(len(shown)))
    left.set_xticklabels(
        [op.label for op in shown], rotation=30, ha="right", fontsize=8
    )
    left.set_yscale("log")
    left.set_ylabel("ms per call (median of rounds, log scale)")
    left.set_title("Per-operation latency")
    left.legend(fontsize=8)
    left.grid(axis="y", which="both", alpha=0.3)

    targets = [t for t in summary["targets"].values() if not math.isnan(t["value"])]
    labels = [t["label"] for t in targets]
    values = [t["value"] for t in targets]
    colours = ["tab:green" if t["met"] else "tab:red" for t in targets]
    rows = range(len(targets))
    right.barh(rows, values, color=colours)
    for y, t in zip(rows, targets, strict=True):
        right.plot([t["bound"], t["bound"]], [y - 0.4, y + 0.4], color="black")
        if not math.isnan(t["value"]):
            right.text(t["value"], y, f" {t['value']:.2f}", va="center", fontsize=8)
    right.set_yticks(list(rows))
    right.set_yticklabels([_wrap(label) for label in labels], fontsize=7)
    right.invert_yaxis()
    right.set_xscale("log")
    right.set_title("Targets (black line: bound; green: met)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _draw_tests(axes: Any, summary: Mapping[str, Any]) -> None:
    tests = summary.get("tests_median_cpu_seconds", {})
    sessions = [s for s in ("fresh", "warm") if s in tests]
    columns = [c for c in TEST_COLUMNS if any(c[0] in tests[s] for s in sessions)]
    if not columns:
        axes.set_axis_off()
        return
    width = 0.8 / len(columns)
    for n, (who, label) in enumerate(columns):
        xs = [i + (n - (len(columns) - 1) / 2) * width for i in range(len(sessions))]
        ys = [tests[s].get(who, math.nan) * 1e3 for s in sessions]
        axes.bar(xs, ys, width, label=label)
    axes.set_xticks(range(len(sessions)))
    axes.set_xticklabels([f"{s} session" for s in sessions])
    axes.set_ylabel("CPU ms per test (median)")
    axes.set_title("A test: enter, session, client, 3 calls, exit")
    axes.legend(fontsize=8)
    axes.grid(axis="y", alpha=0.3)


def _draw_cores(axes: Any, raw: Mapping[str, Any], summary: Mapping[str, Any]) -> None:
    cores = summary.get("cores", {})
    if not cores:
        axes.set_axis_off()
        return
    ratios = cores["python_vs_c_per_op"]
    bars = [(op.label, ratios[op.key], "tab:blue") for op in selected(raw)]
    bars += [
        ("geometric mean of the operations", ratios["geomean"], "tab:purple"),
        ("test with a fresh session", cores["test_fresh_python_vs_c"], "tab:orange"),
        ("64 MiB streamed", cores["stream_python_vs_c"], "tab:green"),
    ]
    rows = range(len(bars))
    axes.barh(rows, [value for _, value, _ in bars], color=[c for _, _, c in bars])
    for y, (_, value, _) in zip(rows, bars, strict=True):
        if not math.isnan(value):
            axes.text(value, y, f" {value:.2f}", va="center", fontsize=8)
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_yticks(list(rows))
    axes.set_yticklabels([_wrap(label, 26) for label, _, _ in bars], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("Python core / C core, CPU time (median)")
    axes.set_title("What the C core buys")
    axes.grid(axis="x", alpha=0.3)


def _wrap(text: str, width: int = 34) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)
