-- Casebridge schema 7: pseudonymization key epochs. Origins announce the epochs they hold (trust entries of type
-- pseudonym-epoch); a node publishes under the newest epoch every trusted origin holds, searches under every epoch
-- it holds, and retires an epoch (its tokens and the bodies that carry them) once no origin's live record uses it.

-- What each origin announced.
CREATE TABLE casebridge.origin_epochs (
    origin         text NOT NULL,
    epoch          integer NOT NULL CHECK (epoch >= 1),
    fingerprint    text NOT NULL,
    announced_seq  bigint NOT NULL,
    announced_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (origin, epoch)
);

-- This node's epochs: installed (searched), publishing (tokens of new versions), retired (gone everywhere here).
CREATE TABLE casebridge.pseudonym_epochs (
    epoch        integer PRIMARY KEY CHECK (epoch >= 1),
    fingerprint  text NOT NULL,
    state        text NOT NULL CHECK (state IN ('installed', 'publishing', 'retired')),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);

CREATE INDEX records_epoch ON casebridge.records (origin, epoch) WHERE NOT deleted;
