-- 0001: the replicator's metadata schema (docs/storage.md "Metadata schema").
-- Every name starts with _replicator (contracts.md §5). Applied by storage::MigrationRunner
-- inside one transaction; recorded in _replicator_migrations (created by the runner).
-- Times: *_at are wall-clock milliseconds since the epoch; last_change_time is the
-- sequence-info timestamp of a stream record (microseconds, tunnel-protocol.md §9.3).

-- Key/value state of the file: run_id (incremented by every writer open), run_started_at,
-- created_at, durable_marks.
CREATE TABLE _replicator_state (
  key TEXT PRIMARY KEY NOT NULL,
  value
) WITHOUT ROWID;

INSERT INTO _replicator_state (key, value) VALUES
  ('created_at', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
  ('run_id', 0),
  ('run_started_at', NULL),
  ('durable_marks', 0);

-- One row per mirrored table: which source table and tunnel feed it, and its stage
-- (set by the replicator: e.g. 'new', 'base', 'stream').
CREATE TABLE _replicator_bindings (
  mirror_table TEXT PRIMARY KEY NOT NULL,
  source_table TEXT NOT NULL,
  tunnel_id TEXT NOT NULL UNIQUE,
  tunnel_name TEXT NOT NULL,
  stage TEXT NOT NULL DEFAULT 'new',
  stage_updated_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per channel that has been seen. token NULL: no local checkpoint yet (the channel
-- only has info such as its kind). status: 'open' or 'finished'. kind: 'base', 'stream' or
-- NULL (unknown yet; inferred from records: stream records carry sequence info).
CREATE TABLE _replicator_checkpoints (
  tunnel_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  token TEXT,
  status TEXT NOT NULL DEFAULT 'open',
  kind TEXT,
  server_sequence INTEGER,
  rows_applied INTEGER NOT NULL DEFAULT 0,
  batches_applied INTEGER NOT NULL DEFAULT 0,
  duplicates_skipped INTEGER NOT NULL DEFAULT 0,
  last_change_time INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tunnel_id, channel_id)
) WITHOUT ROWID;

-- The tunnel client id of this mirror's worker, per tunnel (design.md exactly-once rule 5):
-- written right after Connect, cleared after a clean Shutdown.
CREATE TABLE _replicator_workers (
  tunnel_id TEXT PRIMARY KEY NOT NULL,
  client_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Column registry: how each source column is named in the mirror and every type it held.
-- kind: 'primary_key' (position = key position) or 'attribute' (position = the ordinal used
-- in the _replicator version column; never reused). types: comma-separated type names in
-- the order first seen. rename_reason: NULL, 'config', 'case_collision', 'reserved_prefix'.
-- first_seen_run / types_changed_run: _replicator_state.run_id at that moment (drift).
CREATE TABLE _replicator_columns (
  mirror_table TEXT NOT NULL,
  kind TEXT NOT NULL,
  position INTEGER NOT NULL,
  mirror_column TEXT NOT NULL,
  source_column TEXT NOT NULL,
  types TEXT NOT NULL,
  rename_reason TEXT,
  first_seen_at INTEGER NOT NULL,
  first_seen_run INTEGER NOT NULL,
  types_changed_run INTEGER NOT NULL,
  PRIMARY KEY (mirror_table, kind, position)
) WITHOUT ROWID;

-- File-wide counters for status.
CREATE TABLE _replicator_counters (
  name TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO _replicator_counters (name, value) VALUES
  ('groups_committed', 0),
  ('batches_applied', 0),
  ('batches_skipped', 0),
  ('rows_applied', 0);
