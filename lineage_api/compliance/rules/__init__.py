"""One module per compliance rule; each exposes ``check(ctx) -> list[FindingOut]``."""
