-- Embedded (SQLite) lineage graph. Every statement is idempotent.
-- nodes: one row per node, keyed by its typed id; props is a JSON object.
-- edges: one row per (src, type, dst); at is the eventTime that first created it (fixed-width UTC ISO-8601),
-- props_at the time of the observation its props come from (the latest wins).
CREATE TABLE IF NOT EXISTS nodes (
    id     TEXT PRIMARY KEY,
    label  TEXT NOT NULL,
    props  TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_label ON nodes (label);

CREATE TABLE IF NOT EXISTS edges (
    src    TEXT NOT NULL,
    type   TEXT NOT NULL,
    dst    TEXT NOT NULL,
    at     TEXT NOT NULL,
    props_at TEXT NOT NULL DEFAULT '',
    props  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (src, type, dst)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst, type, src);

-- Natural keys of each label, kept unique (mirrors the Neo4j constraints).
CREATE TABLE IF NOT EXISTS node_keys (
    label  TEXT NOT NULL,
    nkey   TEXT NOT NULL,
    id     TEXT NOT NULL,
    PRIMARY KEY (label, nkey)
) WITHOUT ROWID;

-- Exact-match property index for find-by-property on scalar properties.
CREATE TABLE IF NOT EXISTS node_props (
    label  TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  TEXT NOT NULL,
    id     TEXT NOT NULL,
    PRIMARY KEY (label, name, value, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS schema_meta (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT OR IGNORE INTO schema_meta (name, value) VALUES ('schema_version', '1');
