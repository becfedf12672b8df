-- The incident write-back queue on SQLite: entries for XSOAR war rooms and
-- XDR incidents, queued with the audit record of the command they report.
-- Times are INTEGER microseconds since the Unix epoch (UTC), as in 00001.

-- +goose Up

-- writeback_id links a record to the write-back queued in its transaction.
-- It is not hashed (the record says what happened, not where it was
-- reported) and, like every audit column, never changes after the insert.
ALTER TABLE audit ADD COLUMN writeback_id TEXT NOT NULL DEFAULT '';

-- writebacks is the queue. A worker claims due rows (queued and due, or
-- delivering with a lease that ran out) by moving them to delivering with a
-- lease; while delivering, next_attempt_at is lease_until, so one range of
-- writebacks_due finds both kinds.
CREATE TABLE writebacks (
    id               TEXT    PRIMARY KEY,
    audit_seq        INTEGER NOT NULL DEFAULT 0, -- 0: queued on its own
    platform         TEXT    NOT NULL CHECK (platform IN ('xsoar', 'xdr')),
    incident_id      TEXT    NOT NULL CHECK (incident_id <> ''),
    investigation_id TEXT    NOT NULL DEFAULT '',
    markdown         TEXT    NOT NULL,
    note             INTEGER NOT NULL DEFAULT 0 CHECK (note IN (0, 1)),
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'delivering', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_until      INTEGER,
    last_error       TEXT    NOT NULL DEFAULT '',
    remote_id        TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER
) STRICT;

-- The claim reads (status, next_attempt_at) ranges of the two claimable
-- statuses only, so delivered and failed rows, however many, cost nothing.
CREATE INDEX writebacks_due      ON writebacks (status, next_attempt_at);
CREATE INDEX writebacks_incident ON writebacks (incident_id, created_at, id);
CREATE INDEX writebacks_created  ON writebacks (created_at, id);
