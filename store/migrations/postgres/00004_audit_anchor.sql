-- Audit retention on PostgreSQL. The audit log stays append-only, except
-- that records may be pruned from its start once they are exported: the
-- anchor names the last pruned record (seq and hash), the predecessor of the
-- first kept one, so VerifyAudit starts there instead of at genesis.
-- audit_head is never reset: seq keeps counting across prunes.

-- +goose Up

-- audit_anchor is one row: seq 0 and hash '' until the first prune.
CREATE TABLE audit_anchor (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint  NOT NULL,
    hash text    NOT NULL
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, '');

-- The append-only trigger now lets a DELETE through for a record at or
-- before the anchor, which the store moves in the transaction that deletes
-- (PruneAudit). UPDATE, TRUNCATE and deleting a kept record are still
-- refused. The triggers of 00001 call this function, so replacing it is
-- enough.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.seq <= (SELECT seq FROM audit_anchor WHERE id = 1) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'idcmd audit log is append-only: only records at or before the anchor may be pruned'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'idcmd audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- The anchor only moves forward, and never past the chain head; it is never
-- deleted. A table owner can disable this: VerifyAudit still notices an
-- anchor that does not match the first kept record, and VerifyAuditHistory
-- one that does not match the exports.
-- +goose StatementBegin
CREATE FUNCTION audit_anchor_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq >= OLD.seq
       AND NEW.seq <= (SELECT seq FROM audit_head WHERE id = 1) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'idcmd audit anchor only moves forward, up to the chain head: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_anchor_forward BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_forward();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_forward();

-- Write-back retention deletes delivered and failed rows by the time of
-- their outcome, which FinishWriteBack writes to next_attempt_at: a range of
-- writebacks_due (status, next_attempt_at) per finished status, no new index.
