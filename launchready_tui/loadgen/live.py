"""The live load chart as text: p95 and error rate per step, updated from the generator's events.

Pure (no Textual): the wizard's panel feeds it events and prints ``lines()`` at least once a second; tests
drive it directly. While a step runs, its p95 is the worst per-second p95 seen so far (an early warning);
when the checks finish, :meth:`LiveChart.apply_steps` replaces it with the exact per-step values.

Bars are glyphs on a scale of 0 to twice the target, with ``│`` at the target, and every verdict is a
word and a glyph as well as a length, so the chart reads without colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BAR_WIDTH = 24


@dataclass(slots=True)
class Cell:
    p95_ms: float | None = None
    exact: bool = False
    completed: int = 0
    failed: int = 0
    error_rate: float | None = None  # exact, once the step's result is in
    label: str = "p95~"  # "p95~" live (worst per-second p95), "p95" exact, "p50" when too few for a p95

    @property
    def errors(self) -> float:
        if self.error_rate is not None:
            return self.error_rate
        return self.failed / self.completed if self.completed else 0.0


@dataclass(slots=True)
class LiveChart:
    endpoints: list[str] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    slo_ms: dict[str, float] = field(default_factory=dict)
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    step: int | None = None
    last_tick: dict[str, Any] | None = None
    retired: dict[str, str] = field(default_factory=dict)
    plan_lines: list[str] = field(default_factory=list)
    note: str = ""
    running: bool = False
    finished: bool = False

    def on_event(self, ev: dict[str, Any]) -> None:
        kind = ev.get("type")
        if kind == "plan":
            self.__init__()  # type: ignore[misc]  # a new run starts a new chart
            self.endpoints = list(ev.get("endpoints") or [])
            self.users = [int(u) for u in ev.get("users") or []]
            self.slo_ms = {k: float(v) for k, v in (ev.get("slo_ms") or {}).items()}
            self.plan_lines = list(ev.get("lines") or [])
            self.running = True
        elif kind == "step":
            self.step = int(ev["step"])
        elif kind == "retired":
            self.retired[str(ev["endpoint"])] = str(ev["reason"])
        elif kind == "tick":
            self.last_tick = ev
            step = ev.get("step")
            if step is None or int(step) < 0:
                return
            for name, data in (ev.get("endpoints") or {}).items():
                cell = self.cells.setdefault((int(step), name), Cell())
                cell.completed += int(data.get("completed") or 0)
                cell.failed += int(data.get("failed") or 0)
                p95 = data.get("p95_ms")
                if p95 is not None and not cell.exact:
                    cell.p95_ms = max(cell.p95_ms or 0.0, float(p95))
        elif kind == "done":
            self.note = str(ev.get("note") or "")
            self.running, self.finished = False, True

    def apply_steps(self, steps: list[dict[str, Any]], note: str | None = None) -> None:
        """The exact per-step rows (the contract's ``evidence.steps``) once the checks have finished."""
        if not steps:
            return
        users_seen = sorted({int(s["users"]) for s in steps})
        if not self.users or not set(users_seen) <= set(self.users):
            self.users = users_seen
        # Live cells the exact rows do not confirm came from late answers of an earlier step (an endpoint
        # retired after breaking its target still has requests in flight): drop them, "not run" is the truth.
        exact_keys = {(self.users.index(int(s["users"])), str(s["endpoint"])) for s in steps}
        self.cells = {k: c for k, c in self.cells.items() if k in exact_keys}
        for s in steps:
            name = str(s["endpoint"])
            if name not in self.endpoints:
                self.endpoints.append(name)
            idx = self.users.index(int(s["users"]))
            cell = self.cells.setdefault((idx, name), Cell())
            cell.exact = s.get("p95_ms") is not None
            cell.p95_ms = s.get("p95_ms") if cell.exact else s.get("p50_ms")
            cell.label = "p95" if cell.exact else "p50"
            cell.error_rate = float(s.get("error_rate") or 0.0)
        if note:
            self.note = note
        self.running, self.finished = False, True

    # -- text --------------------------------------------------------------------------------------

    def status_line(self) -> str:
        if self.running and self.last_tick is not None:
            t = self.last_tick
            step = t.get("step")
            where = "warm-up" if step == -1 else "finishing" if step is None else \
                f"step {int(step) + 1} of {len(self.users)} · {t.get('users')} users"
            return (f"Running: {where} · {t.get('completed')} answers/s · {t.get('in_flight')} in flight · "
                    f"generator {float(t.get('cpu') or 0):.2f} core")
        if self.running:
            return "Starting the load generator…"
        if self.finished:
            return "Finished: p95 and errors per step (│ marks the target)."
        return "Not run yet: press Run to load your endpoints step by step (safe caps, stops on errors)."

    def lines(self) -> list[str]:
        out = [self.status_line()]
        for i, users in enumerate(self.users):
            row = [(n, self.cells.get((i, n))) for n in self.endpoints]
            if not any(c for _n, c in row):
                continue
            out.append(f"{users} users")
            for name, cell in row:
                # A retired endpoint gets empty ticks in later steps: "not run", not "no answer yet".
                if cell is None or (cell.p95_ms is None and name in self.retired):
                    why = self.retired.get(name)
                    out.append(f"  {name[:14]:<14} {'not run' + (': ' + why if why else ''):<}")
                    continue
                out.append("  " + self._bar_line(name, cell))
        return out

    def _bar_line(self, name: str, cell: Cell) -> str:
        slo = self.slo_ms.get(name, 500.0)
        p95 = cell.p95_ms
        if p95 is None:
            bar, value, verdict = "·" * BAR_WIDTH, "no answer" if self.finished else "no answer yet", ""
        else:
            filled = min(BAR_WIDTH, round(p95 / (2 * slo) * BAR_WIDTH))
            bar = list("█" * filled + "░" * (BAR_WIDTH - filled))
            bar[BAR_WIDTH // 2] = "│"
            bar_text = "".join(bar) + ("»" if p95 > 2 * slo else " ")
            value = f"{cell.label} {_ms(p95)}"
            verdict = "✔ ok" if p95 < slo else "✖ slow"
            bar = bar_text
        err = cell.errors
        err_text = f"errors {err:.1%}" + (" ✖" if err >= 0.01 else "")
        return f"{name[:14]:<14} {bar} {value:<12} {verdict:<7} {err_text}"


def _ms(v: float) -> str:
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"
