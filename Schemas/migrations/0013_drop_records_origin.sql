-- Casebridge schema 13: the records table loses `records_origin`, an index over `origin` alone.
-- Every query that filters records by origin also asks for live records (`NOT deleted`), which `records_epoch`
-- (origin, epoch) WHERE NOT deleted answers with the same leading column; the second index only cost every record
-- write an insertion into a B-tree of a handful of distinct keys (about 1.8 s per 1,000,000 replicated records in
-- isolation). Measured: docs/performance.md, "Update 2026-12-08".
DROP INDEX IF EXISTS casebridge.records_origin;
