-- Casebridge schema 11: origin-log rows up to 8 kB stay inline and uncompressed.
-- A signed body is mostly hex tokens, which LZ4 shrinks little: with the default 2 kB TOAST target a third of the
-- rows of an import were compressed and then still moved out of line into the TOAST table (55 MB of 181 MB for
-- 100,000 entries). Keeping rows inline up to 8 kB skips the compression attempt and the TOAST insert on write and
-- the detoasting on every pull, and takes slightly less space (177 MB). Measured: docs/performance.md,
-- "Update 2026-12-07 (3)".
ALTER TABLE casebridge.origin_log SET (toast_tuple_target = 8160);
