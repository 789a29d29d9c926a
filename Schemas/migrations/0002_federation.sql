-- Casebridge schema 2: federation. Trust store (peers), current record versions (siblings), sync bookkeeping.

-- The trust store: nodes whose entries this node accepts and whose TLS client certificates it admits.
-- Their signing keys live in casebridge.signing_keys (origin = node_id).
CREATE TABLE casebridge.peers (
    node_id     text PRIMARY KEY,
    agency      text NOT NULL,
    -- https://host:port of the peer's federation API; NULL: trusted origin that is not pulled directly (relayed).
    endpoint    text,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    card        jsonb NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every current version of every record: one row normally, several when concurrent versions are siblings.
-- casebridge.records keeps one display row per record (the preferred version) with the sibling count.
CREATE TABLE casebridge.record_versions (
    record_id  text NOT NULL,
    origin     text NOT NULL,
    seq        bigint NOT NULL,
    version    jsonb NOT NULL,
    deleted    boolean NOT NULL,
    owners     text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (record_id, origin, seq)
);

ALTER TABLE casebridge.records ADD COLUMN siblings integer NOT NULL DEFAULT 1;
ALTER TABLE casebridge.records ADD COLUMN owners text[] NOT NULL DEFAULT '{}';

-- Entries a peer served that this node refused, with the reason (never the body).
CREATE TABLE casebridge.sync_rejections (
    id        bigserial PRIMARY KEY,
    peer      text NOT NULL,
    origin    text,
    seq       bigint,
    reason    text NOT NULL,
    message   text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_rejections_origin ON casebridge.sync_rejections (origin, seq);

-- Evidence of equivocation: a second, validly signed entry for an (origin, seq) this node already holds.
CREATE TABLE casebridge.equivocations (
    id           bigserial PRIMARY KEY,
    origin       text NOT NULL,
    seq          bigint NOT NULL,
    held_digest  bytea NOT NULL,
    header       bytea NOT NULL,
    body         bytea,
    signature    bytea NOT NULL,
    peer         text NOT NULL,
    detected_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (origin, seq, header, signature)
);

-- Sync state per peer, for `casebridge peers status` and /metrics.
CREATE TABLE casebridge.peer_status (
    peer            text PRIMARY KEY,
    last_attempt    timestamptz,
    last_success    timestamptz,
    last_error      text,
    last_error_at   timestamptz,
    their_vector    jsonb NOT NULL DEFAULT '{}',
    pulls           bigint NOT NULL DEFAULT 0,
    errors          bigint NOT NULL DEFAULT 0,
    entries_applied bigint NOT NULL DEFAULT 0
);

-- Per-origin freshness: when this node last applied an entry of the origin.
CREATE TABLE casebridge.origin_status (
    origin        text PRIMARY KEY,
    last_applied  timestamptz NOT NULL DEFAULT now(),
    last_entry_ts timestamptz
);
