-- The identity event log on PostgreSQL: every Okta System Log event and
-- PingOne activity idcmd received, from a hook or a poller, once.

-- +goose Up

-- events is append-only in practice (retention deletes by received_at).
-- (provider, event_id) is the dedup key: a redelivered or overlapping batch
-- inserts with ON CONFLICT DO NOTHING, so replicas receiving the same
-- delivery store it once. seq is the arrival order.
CREATE TABLE events (
    seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider    text        NOT NULL CHECK (provider IN ('okta', 'pingone')),
    event_id    text        NOT NULL CHECK (event_id <> ''),
    type        text        NOT NULL,
    source      text        NOT NULL CHECK (source IN ('hook', 'poll')),
    outcome     text        NOT NULL DEFAULT '',
    user_id     text        NOT NULL DEFAULT '',
    user_name   text        NOT NULL DEFAULT '',
    actor_id    text        NOT NULL DEFAULT '',
    actor_name  text        NOT NULL DEFAULT '',
    ip          text        NOT NULL DEFAULT '',
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    rejected    text        NOT NULL DEFAULT '', -- why the event could not be read; '' when it was
    body        text        NOT NULL,            -- the normalized event (JSON)
    raw         bytea       NOT NULL,            -- the provider's event, as received
    UNIQUE (provider, event_id)
);

CREATE INDEX events_time     ON events (occurred_at, seq);
CREATE INDEX events_received ON events (received_at, seq);

-- poll_cursors is where each poller resumes: an Okta next link, a PingOne
-- window end. It is written in the transaction that stores the page it
-- follows, so a restart resumes without a gap or a duplicate.
CREATE TABLE poll_cursors (
    name       text        PRIMARY KEY,
    cursor     text        NOT NULL,
    updated_at timestamptz NOT NULL
);

-- leases make one replica the poller of a tenant: held until expires_at,
-- renewed by its owner, taken over once it runs out.
CREATE TABLE leases (
    name       text        PRIMARY KEY,
    owner      text        NOT NULL,
    expires_at timestamptz NOT NULL
);
