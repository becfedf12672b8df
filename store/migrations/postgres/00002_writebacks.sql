-- The incident write-back queue on PostgreSQL: entries for XSOAR war rooms
-- and XDR incidents, queued with the audit record of the command they report.

-- +goose Up

-- writeback_id links a record to the write-back queued in its transaction.
-- It is not hashed (the record says what happened, not where it was
-- reported) and, like every audit column, never changes after the insert.
-- A constant default makes this a catalog change: no rewrite of the table,
-- and the append-only trigger does not fire.
ALTER TABLE audit ADD COLUMN writeback_id text NOT NULL DEFAULT '';

-- writebacks is the queue. Replicas claim due rows (queued and due, or
-- delivering with a lease that ran out) with SELECT … FOR UPDATE SKIP LOCKED
-- and move them to delivering with a lease; while delivering,
-- next_attempt_at is lease_until, so one range of writebacks_due per
-- claimable status finds both kinds.
CREATE TABLE writebacks (
    id               text        PRIMARY KEY,
    audit_seq        bigint      NOT NULL DEFAULT 0, -- 0: queued on its own
    platform         text        NOT NULL CHECK (platform IN ('xsoar', 'xdr')),
    incident_id      text        NOT NULL CHECK (incident_id <> ''),
    investigation_id text        NOT NULL DEFAULT '',
    markdown         text        NOT NULL,
    note             boolean     NOT NULL DEFAULT false,
    status           text        NOT NULL CHECK (status IN ('queued', 'delivering', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    lease_owner      text        NOT NULL DEFAULT '',
    lease_until      timestamptz,
    last_error       text        NOT NULL DEFAULT '',
    remote_id        text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz
);

-- The claim reads (status, next_attempt_at) ranges of the two claimable
-- statuses only, so delivered and failed rows, however many, cost nothing.
CREATE INDEX writebacks_due      ON writebacks (status, next_attempt_at);
CREATE INDEX writebacks_incident ON writebacks (incident_id, created_at, id);
CREATE INDEX writebacks_created  ON writebacks (created_at, id);
