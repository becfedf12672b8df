-- Deciding on events (SQLite): each stored event is decided once, and what
-- the decision sends (an XDR alert, an XSOAR incident, an automated
-- response) is queued in the write-back queue in the same transaction.

-- +goose Up

-- decided marks an event the rules have decided. Events stored before this
-- version count as decided (DEFAULT 1): they predate the rules, and turning
-- the rules on must not flood XSOAR with a month of old events (replay shows
-- what the rules would have done with them). New events are inserted with
-- decided = 0 explicitly (eventInsertColumns).
ALTER TABLE events ADD COLUMN decided INTEGER NOT NULL DEFAULT 1 CHECK (decided IN (0, 1));
CREATE INDEX events_undecided ON events (seq) WHERE decided = 0;

-- event_decisions holds one decision per event: its severity, the detectors
-- that fired and their evidence, the routes and responses (body, JSON).
-- group_key groups repeats of one cause for one user into one incident.
CREATE TABLE event_decisions (
    provider   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    event_seq  INTEGER NOT NULL,
    decided_at INTEGER NOT NULL,
    severity   TEXT    NOT NULL,
    suspicious INTEGER NOT NULL CHECK (suspicious IN (0, 1)),
    group_key  TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL,
    PRIMARY KEY (provider, event_id)
) STRICT;
CREATE INDEX event_decisions_group   ON event_decisions (group_key, decided_at) WHERE group_key <> '';
CREATE INDEX event_decisions_decided ON event_decisions (decided_at);

-- The write-back queue now carries every delivery, not only incident
-- entries: kind says what it delivers, the event it is for, a payload
-- (JSON) and a result (JSON, what the delivery produced). An XDR alert or
-- an XSOAR incident to create has no incident id yet, and an automated
-- response runs on idcmd itself (platform idcmd), so the table is rebuilt
-- with CHECKs that allow them: SQLite cannot alter a CHECK in place.
CREATE TABLE writebacks_v7 (
    id               TEXT    PRIMARY KEY,
    audit_seq        INTEGER NOT NULL DEFAULT 0,
    platform         TEXT    NOT NULL CHECK (platform IN ('xsoar', 'xdr', 'idcmd', 'prisma')),
    kind             TEXT    NOT NULL DEFAULT 'entry' CHECK (kind <> ''),
    incident_id      TEXT    NOT NULL DEFAULT '' CHECK (kind <> 'entry' OR incident_id <> ''),
    investigation_id TEXT    NOT NULL DEFAULT '',
    event_provider   TEXT    NOT NULL DEFAULT '',
    event_id         TEXT    NOT NULL DEFAULT '',
    markdown         TEXT    NOT NULL,
    note             INTEGER NOT NULL DEFAULT 0 CHECK (note IN (0, 1)),
    payload          TEXT    NOT NULL DEFAULT '',
    result           TEXT    NOT NULL DEFAULT '',
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
INSERT INTO writebacks_v7 (id, audit_seq, platform, incident_id, investigation_id, markdown, note, status, attempts,
        next_attempt_at, lease_owner, lease_until, last_error, remote_id, created_at, delivered_at)
    SELECT id, audit_seq, platform, incident_id, investigation_id, markdown, note, status, attempts,
        next_attempt_at, lease_owner, lease_until, last_error, remote_id, created_at, delivered_at FROM writebacks;
DROP TABLE writebacks;
ALTER TABLE writebacks_v7 RENAME TO writebacks;
CREATE INDEX writebacks_due      ON writebacks (status, next_attempt_at);
CREATE INDEX writebacks_incident ON writebacks (incident_id, created_at, id);
CREATE INDEX writebacks_created  ON writebacks (created_at, id);
CREATE INDEX writebacks_event    ON writebacks (event_provider, event_id) WHERE event_id <> '';
