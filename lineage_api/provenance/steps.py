"""Which edges a trace (upstream) and an impact (downstream) follow, and in which direction."""

from __future__ import annotations

from graph_schema import EdgeType as E
from lineage_api.store.protocol import Direction, Step

OUT, IN = Direction.OUT, Direction.IN

UPSTREAM: tuple[Step, ...] = (
    Step(E.BASED_ON, OUT),  # decision -> the outputs, reviews and evidence it rests on
    Step(E.REVIEWED, OUT),  # review -> the outputs it reviewed
    Step(E.PRODUCED, IN),  # output <- the inference run
    Step(E.READ, OUT),  # run -> the dataset versions it read
    Step(E.WROTE, IN),  # dataset version <- the run that wrote it
    Step(E.VERSION_OF, OUT),  # dataset version -> its dataset
    Step(E.RUN_OF, OUT),  # run -> its job
    Step(E.SERVES, OUT),  # job -> its use case
    Step(E.PARENT, OUT),  # run -> its parent run
    Step(E.APPROVES, IN),  # artifact <- approvals of it
    Step(E.EVALUATED, IN),  # model version <- evaluations of it
    Step(E.CONCERNS, IN),  # artifact <- incidents about it
)

# Governance records that may come after the traced moment; reported separately, never expanded.
LATER: tuple[Step, ...] = (
    Step(E.REVIEWED, IN),
    Step(E.BASED_ON, IN),
    Step(E.EVALUATED, IN),
    Step(E.APPROVES, IN),
    Step(E.CONCERNS, IN),
)

DOWNSTREAM: tuple[Step, ...] = (
    Step(E.VERSION_OF, IN),  # dataset -> its versions
    Step(E.READ, IN),  # dataset version -> runs that read it
    Step(E.WROTE, OUT),  # run -> versions it wrote
    Step(E.PRODUCED, OUT),  # run -> outputs
    Step(E.PARENT, IN),  # run -> its child runs
    Step(E.REVIEWED, IN),  # output -> reviews of it
    Step(E.BASED_ON, IN),  # output, review, dataset -> decisions resting on it
)
