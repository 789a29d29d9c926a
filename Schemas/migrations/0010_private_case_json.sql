-- Casebridge schema 10: a private case's data is stored as json (the text the node wrote), no longer as jsonb.
-- Nothing queries inside it (the node reads a case back whole), and parsing every imported case into jsonb was
-- about a third of the server's time for `COPY private.cases`; json still checks that the text is JSON and keeps
-- the JSON operators for an admin's ad-hoc queries. Measured: docs/performance.md, "Update 2026-12-07 (3)".
ALTER TABLE private.cases ALTER COLUMN data TYPE json USING data::json;
