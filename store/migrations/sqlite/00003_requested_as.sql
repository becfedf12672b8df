-- A provider-neutral command (lock-user) runs as a provider command
-- (okta-suspend-user): the audit record's command is what was done, and
-- requested_as the name it was asked by. An approval keeps the call as asked
-- (command) and the provider command it resolved to (effective_command),
-- which is what the approver approves. Both are '' when the names agree.

-- +goose Up
ALTER TABLE audit ADD COLUMN requested_as TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN effective_command TEXT NOT NULL DEFAULT '';

