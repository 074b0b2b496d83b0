"""Run state is a function of the set of events, not of their order or repetition."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage_api.ingest.projection import merge_run_state

EVENT_TYPES = ["START", "RUNNING", "OTHER", "COMPLETE", "FAIL", "ABORT", None]
TIMES = [f"2026-03-01T10:0{i}:00.000000Z" for i in range(6)]

events = st.lists(st.tuples(st.sampled_from(EVENT_TYPES), st.sampled_from(TIMES)), min_size=1, max_size=8)


def final_state(sequence: list[tuple[str | None, str]]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for event_type, at in sequence:
        merge_run_state(props, event_type, at)
    return props


@settings(max_examples=300)
@given(events, st.randoms(use_true_random=False), st.lists(st.integers(min_value=0, max_value=7), max_size=4))
def test_order_and_duplicates_do_not_change_the_final_state(
    sequence: list[tuple[str | None, str]], rnd: Any, dup_indexes: list[int]
) -> None:
    shuffled = list(sequence) + [sequence[i % len(sequence)] for i in dup_indexes]
    rnd.shuffle(shuffled)
    assert final_state(shuffled) == final_state(sequence)


@given(events)
def test_a_terminal_event_makes_the_run_terminal(sequence: list[tuple[str | None, str]]) -> None:
    state = final_state(sequence)
    terminal = [(at, t) for t, at in sequence if t in ("COMPLETE", "FAIL", "ABORT")]
    assert state["terminal"] is bool(terminal)
    if terminal:
        assert state["endedAt"] == max(terminal)[0]
        assert state["state"] in ("COMPLETED", "FAILED", "ABORTED")
    else:
        assert state["state"] == "RUNNING" and "endedAt" not in state
    starts = [at for t, at in sequence if t == "START"]
    assert state.get("startedAt") == (min(starts) if starts else None)
