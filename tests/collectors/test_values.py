"""Properties of the values every record is made of: times keep their instant, any id gives a valid facet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from collectors import Lineage
from collectors._values import timestamp
from tests.collectors.memory import MemoryTransport, governance_facets, lineage_with, schema_validator

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets)
ids = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")


@given(aware)
def test_a_time_keeps_its_instant_in_a_fixed_width_utc_form(moment: datetime) -> None:
    text = timestamp(moment, "t")
    assert text is not None and len(text) == 27 and text.endswith("Z")
    assert datetime.fromisoformat(text[:-1] + "+00:00") == moment
    assert timestamp(moment.isoformat(), "t") == text


@given(earlier=aware, later=aware)
def test_time_order_is_string_order(earlier: datetime, later: datetime) -> None:
    a, b = timestamp(earlier, "t"), timestamp(later, "t")
    assert a is not None and b is not None
    assert (a < b) == (earlier.astimezone(UTC) < later.astimezone(UTC))


@given(review_id=ids, outputs=st.lists(ids, min_size=1, max_size=5), reviewer=ids, decision_id=ids)
def test_any_ids_give_records_the_server_accepts(
    review_id: str, outputs: list[str], reviewer: str, decision_id: str
) -> None:
    memory = MemoryTransport()
    lineage: Lineage = lineage_with(memory)
    lineage.record_review(review_id, output_ids=outputs, reviewer=reviewer, outcome="concur")
    lineage.record_decision(
        decision_id, action_type="other", significant=False, basis=[], decided_by=reviewer, subject_ref=review_id
    )
    for event in memory.events:
        for name, facet in governance_facets(event):
            assert list(schema_validator(name).iter_errors(facet)) == []
