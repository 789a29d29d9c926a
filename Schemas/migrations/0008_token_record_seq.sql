-- Casebridge schema 8: a record's token rows are found by the seq of the record row they were written with.
-- `tokens_record` (a B-tree over the record-id text) cost as much to maintain as the token index itself: every
-- token row compared ~20 record ids under the database collation on insert. Token rows now carry the seq of
-- their record's row (casebridge.records.seq when they were written; both change only together, in
-- NodeStore.upsertRecords) and are found by (record_seq, record_id): an int8 index whose inserts land at the
-- newest seqs of each origin.
DROP INDEX casebridge.tokens_record;
ALTER TABLE casebridge.tokens ADD COLUMN record_seq bigint;
UPDATE casebridge.tokens t SET record_seq = r.seq FROM casebridge.records r WHERE r.record_id = t.record_id;
-- A token row without its record row was unreachable by search (which joins records) and by every deletion.
DELETE FROM casebridge.tokens WHERE record_seq IS NULL;
ALTER TABLE casebridge.tokens ALTER COLUMN record_seq SET NOT NULL;
CREATE INDEX tokens_record_seq ON casebridge.tokens (record_seq);
