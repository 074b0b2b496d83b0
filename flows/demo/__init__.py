"""The benefits-claims demo: a small, realistic AI pipeline run through Prefect and instrumented with collectors."""
