-- 0002: the change log (docs/changelog.md). Written only when [changelog] enabled = true,
-- in the same transaction as the data it describes (storage/changelog.h), so it is
-- exactly-once like the mirror. Times: commit_time and *_time in ms since the epoch
-- (the writer's wall clock); *_sequence_time are sequence-info timestamps (µs).

-- One row per APPLIED batch (skipped duplicates are not recorded), in commit order.
-- records: the batch's records in the compact form of storage/changelog_codec.h.
-- first_record: how many records the log held before this entry since recording started
-- (counts trimmed ones too), so `replay --count N` means the same thing after a trim.
CREATE TABLE _replicator_changelog (
  seq INTEGER PRIMARY KEY,
  commit_time INTEGER NOT NULL,
  tunnel_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  token_in TEXT NOT NULL,
  token_out TEXT NOT NULL,
  first_record INTEGER NOT NULL,
  record_count INTEGER NOT NULL,
  min_sequence_time INTEGER,
  max_sequence_time INTEGER,
  records BLOB NOT NULL
);

-- The state the log starts from: every row of every mirrored table as it was just before
-- the oldest entry still kept (the snapshot taken when recording started, with trimmed
-- entries folded in). key: the encoded primary key; row: one PUT_ROW record in the
-- changelog_codec form whose cell timestamps are the cell versions.
CREATE TABLE _replicator_changelog_base (
  tunnel_id TEXT NOT NULL,
  key BLOB NOT NULL,
  row BLOB NOT NULL,
  PRIMARY KEY (tunnel_id, key)
) WITHOUT ROWID;

-- Key/value state of the log: started (0/1), bytes (sum of records sizes kept),
-- records_total (records ever recorded), base_records (records folded into the base),
-- base_time (commit time of the newest folded entry, or of the start snapshot),
-- mirror_batches (the mirror's batches_applied counter after the last recorded group: a
-- different value on start means batches were applied without recording, a gap).
CREATE TABLE _replicator_changelog_state (
  key TEXT PRIMARY KEY NOT NULL,
  value
) WITHOUT ROWID;

INSERT INTO _replicator_changelog_state (key, value) VALUES
  ('started', 0),
  ('bytes', 0),
  ('records_total', 0),
  ('base_records', 0),
  ('base_time', NULL),
  ('mirror_batches', 0);
