-- Audit retention on SQLite. The audit log stays append-only, except that
-- records may be pruned from its start once they are exported: the anchor
-- names the last pruned record (seq and hash), the predecessor of the first
-- kept one, so VerifyAudit starts there instead of at genesis. audit_head is
-- never reset: seq keeps counting across prunes.

-- +goose Up

-- audit_anchor is one row: seq 0 and hash '' until the first prune.
CREATE TABLE audit_anchor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
) STRICT;
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, '');

-- A record may be deleted only once the anchor has moved past it, which the
-- store does in the transaction that deletes it (PruneAudit). Deleting a
-- kept record is still refused.
DROP TRIGGER audit_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.seq > (SELECT seq FROM audit_anchor WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'idcmd audit log is append-only: only records at or before the anchor may be pruned');
END;
-- +goose StatementEnd

-- The anchor only moves forward, and never past the chain head; it is never
-- deleted. As for the audit triggers, whoever can write the file can drop
-- these: VerifyAudit still notices an anchor that does not match the first
-- kept record, and VerifyAuditHistory one that does not match the exports.
-- +goose StatementBegin
CREATE TRIGGER audit_anchor_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq OR NEW.seq > (SELECT seq FROM audit_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'idcmd audit anchor only moves forward, up to the chain head');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'idcmd audit anchor cannot be deleted');
END;
-- +goose StatementEnd

-- Write-back retention deletes delivered and failed rows by the time of
-- their outcome, which FinishWriteBack writes to next_attempt_at: a range of
-- writebacks_due (status, next_attempt_at) per finished status, no new index.
