-- Casebridge schema 1: node identity, origin log, published records and tokens, private cases.
-- Everything an agency knows in clear lives in schema `private` and never leaves the node.
-- Everything in schema `casebridge` is publishable: pseudonymized tokens, signed entries, public keys.

CREATE SCHEMA IF NOT EXISTS private;

CREATE TABLE casebridge.node (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    node_id     text NOT NULL,
    agency      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Ed25519 public keys of origins (this node's own and, later, its peers'), with the seqs they may sign.
CREATE TABLE casebridge.signing_keys (
    key_id          bytea PRIMARY KEY CHECK (length(key_id) = 16),
    origin          text NOT NULL,
    public_key      bytea NOT NULL CHECK (length(public_key) = 32),
    valid_from_seq  bigint NOT NULL DEFAULT 1,
    valid_until_seq bigint,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signing_keys_origin ON casebridge.signing_keys (origin);

-- The append-only log of signed entries, per origin, numbered 1, 2, 3...
-- header, body and signature are stored exactly as the origin produced them.
CREATE TABLE casebridge.origin_log (
    origin       text NOT NULL,
    seq          bigint NOT NULL CHECK (seq >= 1),
    kind         smallint NOT NULL,
    record_id    text NOT NULL,
    header       bytea NOT NULL,
    body         bytea,
    signature    bytea NOT NULL CHECK (length(signature) = 64),
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (origin, seq)
);

-- This node's knowledge: origin -> highest contiguous seq held.
CREATE TABLE casebridge.vector (
    origin  text PRIMARY KEY,
    seq     bigint NOT NULL CHECK (seq >= 0)
);

-- The current state of each published record (latest version or tombstone), as decoded from the log.
CREATE TABLE casebridge.records (
    record_id     text PRIMARY KEY,
    origin        text NOT NULL,
    seq           bigint NOT NULL,
    case_ref      text NOT NULL,
    version       jsonb NOT NULL,
    deleted       boolean NOT NULL DEFAULT false,
    body_hash     bytea NOT NULL,
    agency        text,
    case_type     text,
    status        text,
    jurisdiction  text,
    opened        date,
    contact       jsonb,
    epoch         integer,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_origin ON casebridge.records (origin);

-- Identifier tokens of live records: keyed BLAKE2b of a type tag and the normalized value.
CREATE TABLE casebridge.tokens (
    token      bytea NOT NULL,
    epoch      integer NOT NULL,
    record_id  text NOT NULL,
    kind       text NOT NULL,
    subject    smallint NOT NULL,
    role       text
);
CREATE INDEX tokens_token ON casebridge.tokens (token);
CREATE INDEX tokens_record ON casebridge.tokens (record_id);

-- The agency's own cases in clear. Never published, never replicated.
CREATE TABLE private.cases (
    case_ref     text PRIMARY KEY,
    record_id    text NOT NULL UNIQUE,
    data         jsonb NOT NULL,
    raw_hash     bytea NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
