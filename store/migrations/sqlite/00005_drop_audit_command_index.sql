-- audit_command served no query. ListAudit's command filter matches what
-- was done or the name it was asked by, (command = ? OR requested_as = ?),
-- and an index on one side of an OR cannot serve it: the database scans the
-- log in seq order either way (EXPLAIN QUERY PLAN). The index only cost
-- every append an insert into one more b-tree.

-- +goose Up
DROP INDEX audit_command;
