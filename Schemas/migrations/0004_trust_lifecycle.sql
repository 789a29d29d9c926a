-- Casebridge schema 4: trust lifecycle, first part. An origin caught equivocating (two different, validly signed
-- entries for one seq) is frozen at every node that sees both: its further entries are refused until an admin
-- resolves it. The evidence stays in casebridge.equivocations.

CREATE TABLE casebridge.frozen_origins (
    origin       text PRIMARY KEY,
    seq          bigint NOT NULL,
    reason       text NOT NULL,
    frozen_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    resolved_by  text,
    resolution   text
);

ALTER TABLE private.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE private.alerts ADD CONSTRAINT alerts_kind_check
    CHECK (kind IN ('deconfliction', 'watch', 'movement', 'equivocation'));
