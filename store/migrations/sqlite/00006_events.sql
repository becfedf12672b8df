-- The identity event log on SQLite: every Okta System Log event and PingOne
-- activity idcmd received, from a hook or a poller, once. Times are INTEGER
-- microseconds since the Unix epoch (UTC), as in 00001.

-- +goose Up

-- events is append-only in practice (retention deletes by received_at).
-- (provider, event_id) is the dedup key: a redelivered or overlapping batch
-- inserts with ON CONFLICT DO NOTHING. seq is the arrival order.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    provider    TEXT    NOT NULL CHECK (provider IN ('okta', 'pingone')),
    event_id    TEXT    NOT NULL CHECK (event_id <> ''),
    type        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('hook', 'poll')),
    outcome     TEXT    NOT NULL DEFAULT '',
    user_id     TEXT    NOT NULL DEFAULT '',
    user_name   TEXT    NOT NULL DEFAULT '',
    actor_id    TEXT    NOT NULL DEFAULT '',
    actor_name  TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT '',
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    rejected    TEXT    NOT NULL DEFAULT '', -- why the event could not be read; '' when it was
    body        TEXT    NOT NULL,            -- the normalized event (JSON)
    raw         BLOB    NOT NULL,            -- the provider's event, as received
    UNIQUE (provider, event_id)
) STRICT;

CREATE INDEX events_time     ON events (occurred_at, seq);
CREATE INDEX events_received ON events (received_at, seq);

-- poll_cursors is where each poller resumes: an Okta next link, a PingOne
-- window end. It is written in the transaction that stores the page it
-- follows, so a restart resumes without a gap or a duplicate.
CREATE TABLE poll_cursors (
    name       TEXT    PRIMARY KEY,
    cursor     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- leases make one replica the poller of a tenant: held until expires_at,
-- renewed by its owner, taken over once it runs out.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
