-- The durable core on PostgreSQL: audit log, idempotency keys, approvals.
-- Objects are created in the first schema of the search_path.
-- There is no Down migration: dropping the audit log is never a migration.

-- +goose Up

-- audit is the append-only, hash-chained log. seq is not a sequence (those
-- leave gaps on rollback): the store assigns audit_head.seq + 1 while it
-- holds audit_head's row lock, which also serializes appends from every
-- replica so the chain stays linear.
CREATE TABLE audit (
    seq             bigint      PRIMARY KEY,
    recorded_at     timestamptz NOT NULL,
    request_id      text        NOT NULL,
    subject         text        NOT NULL,
    command         text        NOT NULL,
    args            text,       -- JSON kept byte for byte (jsonb would re-encode it and break the hash)
    incident        text,
    incident_id     text        NOT NULL, -- derived from incident for filtering; checked by VerifyAudit
    target_user     text        NOT NULL,
    outcome         text        NOT NULL,
    provider_status integer     NOT NULL,
    provider_code   text        NOT NULL,
    detail          text        NOT NULL,
    duration_ms     bigint      NOT NULL,
    idempotency_key text        NOT NULL,
    approval_id     text        NOT NULL,
    approver        text        NOT NULL,
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL
);

CREATE INDEX audit_command     ON audit (command, seq);
CREATE INDEX audit_subject     ON audit (subject, seq);
CREATE INDEX audit_target_user ON audit (target_user, seq);
CREATE INDEX audit_incident_id ON audit (incident_id, seq);
CREATE INDEX audit_outcome     ON audit (outcome, seq);
CREATE INDEX audit_recorded_at ON audit (recorded_at);

CREATE TABLE audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint  NOT NULL,
    hash text    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- The store has no UPDATE or DELETE of audit rows; this trigger refuses them
-- (and TRUNCATE) from anyone else too. A superuser or the table owner can
-- still disable it, which is why every record carries the hash chain.
-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'idcmd audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE idempotency (
    subject      text        NOT NULL,
    idem_key     text        NOT NULL,
    command      text        NOT NULL,
    request_hash text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('in_progress', 'completed')),
    status       integer     NOT NULL DEFAULT 0,
    header       text,
    body         bytea,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz,
    PRIMARY KEY (subject, idem_key)
);

CREATE INDEX idempotency_created_at ON idempotency (created_at);

CREATE TABLE approvals (
    id          text        PRIMARY KEY,
    status      text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired',
                                                       'cancelled', 'running', 'executed', 'failed')),
    command     text        NOT NULL,
    args        text,
    incident    text,
    requester   text        NOT NULL,
    request_id  text        NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    approver    text        NOT NULL DEFAULT '',
    comment     text        NOT NULL DEFAULT '',
    decided_at  timestamptz,
    result      text,
    audit_seq   bigint      NOT NULL DEFAULT 0,
    finished_at timestamptz
);

CREATE INDEX approvals_created   ON approvals (created_at, id);
CREATE INDEX approvals_status    ON approvals (status, created_at, id);
CREATE INDEX approvals_requester ON approvals (requester, created_at, id);
CREATE INDEX approvals_pending_expiry ON approvals (expires_at) WHERE status = 'pending';
