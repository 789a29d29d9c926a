-- Casebridge schema 6: TLS certificate lifecycle. The newest certificate revocation list signed by the federation
-- CA (installed by `casebridge trust crl-import` or learned from a peer; the envelope is kept byte for byte so it
-- can be relayed), the serials it revokes, and the certificate each peer last presented to this node.

CREATE TABLE casebridge.revocation_list (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    sequence      bigint NOT NULL CHECK (sequence > 0),
    issued_at     timestamptz NOT NULL,
    ca_sha256     text NOT NULL,
    document      text NOT NULL,
    source        text NOT NULL,
    installed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casebridge.revoked_certificates (
    serial        text PRIMARY KEY,
    node_id       text,
    revoked_at    timestamptz NOT NULL,
    reason        text
);

-- The certificate a peer presented last: as a client (its requests to this node) or as a server (this node's pulls).
CREATE TABLE casebridge.peer_certificates (
    peer          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('client', 'server')),
    serial        text NOT NULL,
    not_after     timestamptz NOT NULL,
    sha256        text NOT NULL,
    seen_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (peer, role)
);
