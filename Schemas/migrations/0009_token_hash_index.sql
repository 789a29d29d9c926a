-- Casebridge schema 9: the token index is a hash index.
-- Tokens are only ever looked up by equality (search, alert scans, watches), never by range or order, and they are
-- keyed hashes: a B-tree over them gains nothing from order and its insertions cost most when the rows come in the
-- order replication writes them (by record). A hash index stores a 4-byte hash per row (about half the size here)
-- and costs the same wherever a row lands, so token rows can go in record order, the order that suits
-- tokens_record_seq. Measured: docs/performance.md, "Update 2026-12-07 (2)".
DROP INDEX casebridge.tokens_token;
CREATE INDEX tokens_token ON casebridge.tokens USING hash (token);
