from __future__ import annotations

from pathlib import Path

import pytest

from agent.llm import cpu


@pytest.mark.parametrize(("cpus", "busy", "threads"), [
    (2, 0.1, 2),   # quiet
    (2, 0.9, 1),   # one core-bound process beside the model
    (2, 2.0, 1),   # never fewer than one
    (8, 1.0, 7),
    (8, 3.4, 5),
    (4, 0.49, 4),  # under half a core is not a taken core
])
def test_threads_are_the_free_cores(cpus: int, busy: float, threads: int) -> None:
    assert cpu.threads_for(cpus, busy) == threads


def test_busy_cores_from_proc_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stat = tmp_path / "stat"
    samples = iter([
        "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 ...\n",
        "cpu  200 0 100 900 0 0 0 0 0 0\ncpu0 ...\n",  # 100 of 200 jiffies busy
    ])

    def read_text(self: Path, encoding: str = "ascii") -> str:
        return next(samples)

    monkeypatch.setattr(cpu, "PROC_STAT", stat)
    monkeypatch.setattr(Path, "read_text", read_text)
    monkeypatch.setattr(cpu.os, "cpu_count", lambda: 2)
    assert cpu.busy_cores(sample_s=0) == pytest.approx(1.0)


def test_threads_setting_overrides_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.core.config import load_settings

    monkeypatch.setenv("AGENT_THREADS", "3")
    assert load_settings().threads == 3
    monkeypatch.delenv("AGENT_THREADS")
    assert load_settings().threads is None
