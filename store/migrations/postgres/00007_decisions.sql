-- Deciding on events (PostgreSQL): each stored event is decided once, and
-- what the decision sends (an XDR alert, an XSOAR incident, an automated
-- response) is queued in the write-back queue in the same transaction.

-- +goose Up

-- decided marks an event the rules have decided. Events stored before this
-- version count as decided (DEFAULT true, a catalog change with no
-- rewrite): they predate the rules, and turning the rules on must not flood
-- XSOAR with a month of old events. New events are inserted with decided =
-- false explicitly (eventInsertColumns).
ALTER TABLE events ADD COLUMN decided boolean NOT NULL DEFAULT true;
CREATE INDEX events_undecided ON events (seq) WHERE NOT decided;

-- event_decisions holds one decision per event: its severity, the detectors
-- that fired and their evidence, the routes and responses (body, JSON).
-- group_key groups repeats of one cause for one user into one incident.
CREATE TABLE event_decisions (
    provider   text        NOT NULL,
    event_id   text        NOT NULL,
    event_seq  bigint      NOT NULL,
    decided_at timestamptz NOT NULL,
    severity   text        NOT NULL,
    suspicious boolean     NOT NULL,
    group_key  text        NOT NULL DEFAULT '',
    body       text        NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE INDEX event_decisions_group   ON event_decisions (group_key, decided_at) WHERE group_key <> '';
CREATE INDEX event_decisions_decided ON event_decisions (decided_at);

-- The write-back queue now carries every delivery, not only incident
-- entries: kind says what it delivers, the event it is for, a payload
-- (JSON) and a result (JSON, what the delivery produced). An XDR alert or
-- an XSOAR incident to create has no incident id yet, and an automated
-- response runs on idcmd itself (platform idcmd).
ALTER TABLE writebacks DROP CONSTRAINT writebacks_platform_check;
ALTER TABLE writebacks DROP CONSTRAINT writebacks_incident_id_check;
ALTER TABLE writebacks
    ADD COLUMN kind           text NOT NULL DEFAULT 'entry' CHECK (kind <> ''),
    ADD COLUMN event_provider text NOT NULL DEFAULT '',
    ADD COLUMN event_id       text NOT NULL DEFAULT '',
    ADD COLUMN payload        text NOT NULL DEFAULT '',
    ADD COLUMN result         text NOT NULL DEFAULT '';
ALTER TABLE writebacks ADD CONSTRAINT writebacks_platform_check CHECK (platform IN ('xsoar', 'xdr', 'idcmd', 'prisma'));
ALTER TABLE writebacks ADD CONSTRAINT writebacks_incident_id_check CHECK (kind <> 'entry' OR incident_id <> '');
CREATE INDEX writebacks_event ON writebacks (event_provider, event_id) WHERE event_id <> '';
