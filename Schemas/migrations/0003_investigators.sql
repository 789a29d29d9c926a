-- Casebridge schema 3: investigators. Local users and their API tokens, the hash-chained audit log, alerts and
-- watches, retention review dates. All of it is the agency's own business: schema `private`, never published.

-- Local API users. The token itself is never stored: only BLAKE2b-256 of its secret part.
CREATE TABLE private.users (
    name              text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    role              text NOT NULL CHECK (role IN ('investigator', 'supervisor', 'admin')),
    token_hash        bytea CHECK (length(token_hash) = 32),
    token_expires_at  timestamptz,
    disabled          boolean NOT NULL DEFAULT false,
    failed_attempts   integer NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    last_login        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- The audit log: append-only, one row per access decision or change. `entry` is the canonical JSON that is
-- hashed; hash = BLAKE2b-256(prev_hash || entry). Columns beside it are for queries and must agree with it.
CREATE TABLE private.audit_log (
    seq        bigint PRIMARY KEY CHECK (seq >= 1),
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    entry      text NOT NULL,
    prev_hash  bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash       bytea NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_at ON private.audit_log (at);

CREATE FUNCTION private.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON private.audit_log
    FOR EACH ROW EXECUTE FUNCTION private.audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON private.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION private.audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON private.audit_log FROM PUBLIC;

-- Watches: an investigator's standing query for one identifier, held as its token (never the value).
CREATE TABLE private.watches (
    id          bigserial PRIMARY KEY,
    owner       text NOT NULL,
    kind        text NOT NULL,
    token       bytea NOT NULL,
    epoch       integer NOT NULL,
    purpose     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    removed_at  timestamptz
);
CREATE INDEX watches_token ON private.watches (token) WHERE removed_at IS NULL;

-- Alerts raised by this node: deconfliction (another agency's record shares identifiers with a local case),
-- watch hits, movement (one subject token in cases of three or more jurisdictions within a window).
CREATE TABLE private.alerts (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('deconfliction', 'watch', 'movement')),
    dedupe_key      text NOT NULL UNIQUE,
    case_ref        text,
    watch_id        bigint,
    other_record    text,
    other_origin    text,
    other_case_ref  text,
    other_agency    text,
    other_contact   jsonb,
    matched         text[] NOT NULL DEFAULT '{}',
    jurisdictions   text[],
    records         text[],
    raised_at       timestamptz NOT NULL DEFAULT now(),
    acked_at        timestamptz,
    acked_by        text,
    delivered_at    timestamptz,
    delivery_error  text
);
CREATE INDEX alerts_open ON private.alerts (raised_at) WHERE acked_at IS NULL;
CREATE INDEX alerts_undelivered ON private.alerts (id) WHERE delivered_at IS NULL;

-- 28 CFR 23.20(h): every case is reviewed by a date; revalidation moves it, purge expunges the case.
ALTER TABLE private.cases ADD COLUMN review_by date;

-- Purged records: the tombstone that expunged them (tokens and bodies are gone; headers stay verifiable).
ALTER TABLE casebridge.records ADD COLUMN purged boolean NOT NULL DEFAULT false;
