-- Casebridge schema 12: token rows in two partitions, this node's own records and everyone else's.
-- The two kinds of token rows are written differently: this node's own come from imports, mostly in bulk (a first
-- import drops the indexes and builds them after the COPY), while other origins' arrive from replication in batches
-- of a few thousand rows into a large table. Until now every row went into one hash index (cheap to insert into
-- anywhere, dear to build: ~2.6 s for 1.35 M rows) and this node's rows into a second, partial B-tree
-- (`tokens_local`, which alert scans probe). Now each partition has one token index of the kind that suits it: a
-- B-tree for this node's own rows (built by one sort; it also serves the alert scans), a hash index for other
-- origins' rows. A first import builds one index instead of two, and no hash index. Queries on casebridge.tokens
-- see both partitions. `local` says which one a row is in: its record id starts with this node's id and a slash
-- (the same rule as the old partial index). Measured: docs/performance.md, "Update 2026-12-08".
DROP INDEX IF EXISTS casebridge.tokens_local;
ALTER TABLE casebridge.tokens RENAME TO tokens_before_12;
CREATE TABLE casebridge.tokens (
    token      bytea NOT NULL,
    epoch      integer NOT NULL,
    record_id  text NOT NULL,
    kind       text NOT NULL,
    subject    smallint NOT NULL,
    role       text,
    record_seq bigint NOT NULL,
    local      boolean NOT NULL
) PARTITION BY LIST (local);
CREATE TABLE casebridge.tokens_local PARTITION OF casebridge.tokens FOR VALUES IN (true);
CREATE TABLE casebridge.tokens_remote PARTITION OF casebridge.tokens FOR VALUES IN (false);
-- Rows copied straight into a partition need not name it.
ALTER TABLE casebridge.tokens_local ALTER COLUMN local SET DEFAULT true;
ALTER TABLE casebridge.tokens_remote ALTER COLUMN local SET DEFAULT false;
INSERT INTO casebridge.tokens (token, epoch, record_id, kind, subject, role, record_seq, local)
SELECT t.token, t.epoch, t.record_id, t.kind, t.subject, t.role, t.record_seq,
       coalesce(t.record_id LIKE (SELECT n.node_id FROM casebridge.node n) || '/%', false)
FROM casebridge.tokens_before_12 t
ORDER BY t.record_seq;
DROP TABLE casebridge.tokens_before_12;
CREATE INDEX tokens_local_token ON casebridge.tokens_local (token);
CREATE INDEX tokens_local_record_seq ON casebridge.tokens_local (record_seq);
CREATE INDEX tokens_remote_token ON casebridge.tokens_remote USING hash (token);
CREATE INDEX tokens_remote_record_seq ON casebridge.tokens_remote (record_seq);
