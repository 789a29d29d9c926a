-- Casebridge schema 5: signing-key rotation and revocation in-band, quarantine, and the publishing fence.

-- A key's history: the seq of the trust entry that introduced it (NULL: from a trust card or `init`).
ALTER TABLE casebridge.signing_keys ADD COLUMN introduced_seq bigint;

-- Revocations an origin published (trust entries of type key-revocation): record and tombstone entries the key
-- signed at seq >= from_seq are quarantined.
CREATE TABLE casebridge.key_revocations (
    origin         text NOT NULL,
    key_id         bytea NOT NULL CHECK (length(key_id) = 16),
    from_seq       bigint NOT NULL CHECK (from_seq >= 1),
    statement_seq  bigint NOT NULL,
    reason         text NOT NULL,
    revoked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (origin, key_id)
);

-- Quarantined entries stay in the log (evidence, contiguity, relaying) but no record is built from them.
ALTER TABLE casebridge.origin_log ADD COLUMN quarantined_at timestamptz;
CREATE INDEX origin_log_quarantined ON casebridge.origin_log (origin, seq) WHERE quarantined_at IS NOT NULL;

-- The publishing fence: while raised, this node signs nothing (its database may be older than its own log as the
-- federation knows it, e.g. restored from a backup); it lifts once a peer has served this node's own entries up to
-- the head the node last signed.
CREATE TABLE casebridge.publish_fence (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    fenced          boolean NOT NULL,
    reason          text NOT NULL,
    raised_at       timestamptz NOT NULL DEFAULT now(),
    witness_head    bigint,
    lifted_at       timestamptz,
    lifted_by       text,
    confirmed_head  bigint
);
