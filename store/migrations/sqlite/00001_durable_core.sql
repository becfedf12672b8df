-- The durable core on SQLite: audit log, idempotency keys, approvals.
-- Times are INTEGER microseconds since the Unix epoch (UTC), the precision
-- the PostgreSQL schema has too, so a record hashes the same on both.
-- There is no Down migration: dropping the audit log is never a migration.

-- +goose Up

-- audit is the append-only, hash-chained log. seq is assigned by the store
-- under the write lock as audit_head.seq + 1, so it has no gaps.
CREATE TABLE audit (
    seq             INTEGER PRIMARY KEY,
    recorded_at     INTEGER NOT NULL,
    request_id      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    command         TEXT    NOT NULL,
    args            TEXT,
    incident        TEXT,
    incident_id     TEXT    NOT NULL, -- derived from incident for filtering; checked by VerifyAudit
    target_user     TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    provider_status INTEGER NOT NULL,
    provider_code   TEXT    NOT NULL,
    detail          TEXT    NOT NULL,
    duration_ms     INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL,
    approval_id     TEXT    NOT NULL,
    approver        TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL
) STRICT;

CREATE INDEX audit_command     ON audit (command);
CREATE INDEX audit_subject     ON audit (subject);
CREATE INDEX audit_target_user ON audit (target_user);
CREATE INDEX audit_incident_id ON audit (incident_id);
CREATE INDEX audit_outcome     ON audit (outcome);
CREATE INDEX audit_recorded_at ON audit (recorded_at);

-- audit_head is the last link of the chain. It is read and updated in the
-- transaction that appends, and it lets VerifyAudit notice a deleted tail.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- The store has no UPDATE or DELETE of audit rows; these triggers refuse
-- them from anyone else too. Whoever can write the file can still drop the
-- triggers, which is why every record carries the hash chain.
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'idcmd audit log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'idcmd audit log is append-only');
END;
-- +goose StatementEnd

-- idempotency holds one row per (caller, key): in progress while the owner
-- runs the call, then completed with the response to replay.
CREATE TABLE idempotency (
    subject      TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    command      TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('in_progress', 'completed')),
    status       INTEGER NOT NULL DEFAULT 0,
    header       TEXT,
    body         BLOB,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (subject, idem_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_created_at ON idempotency (created_at);

CREATE TABLE approvals (
    id          TEXT    PRIMARY KEY,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired',
                                                   'cancelled', 'running', 'executed', 'failed')),
    command     TEXT    NOT NULL,
    args        TEXT,
    incident    TEXT,
    requester   TEXT    NOT NULL,
    request_id  TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    approver    TEXT    NOT NULL DEFAULT '',
    comment     TEXT    NOT NULL DEFAULT '',
    decided_at  INTEGER,
    result      TEXT,
    audit_seq   INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER
) STRICT;

CREATE INDEX approvals_created   ON approvals (created_at, id);
CREATE INDEX approvals_status    ON approvals (status, created_at, id);
CREATE INDEX approvals_requester ON approvals (requester, created_at, id);
