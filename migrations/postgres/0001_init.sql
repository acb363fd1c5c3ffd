-- wahook's PostgreSQL schema, step 1. Never edit a released step: add the next numbered file.
-- Every table lives in the schema wahook is configured with (default `wahook`); :schema is replaced at load.

CREATE TABLE :schema.deliveries (
  id bigserial PRIMARY KEY,
  -- The committing transaction: readers take only rows whose transaction can no longer be in flight
  -- (below the snapshot's xmin), in (tx, id) order, so a row that commits late behind a higher id is never skipped.
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  tenant text NOT NULL,
  provider text NOT NULL,
  received_at bigint NOT NULL,
  digest bytea NOT NULL,
  headers jsonb NOT NULL,
  body bytea NOT NULL,
  UNIQUE (tenant, provider, digest)
);
CREATE INDEX deliveries_order ON :schema.deliveries (tx, id);
CREATE INDEX deliveries_received ON :schema.deliveries (received_at);

-- Counters are spread over shards so concurrent edge processes never queue on one row.
CREATE TABLE :schema.counters (
  name text NOT NULL,
  shard int NOT NULL,
  value bigint NOT NULL,
  PRIMARY KEY (name, shard)
);

CREATE TABLE :schema.events (
  seq bigserial PRIMARY KEY,
  tenant text NOT NULL,
  key text NOT NULL,
  kind text NOT NULL,
  type text NOT NULL,
  ts bigint NOT NULL,
  delivery_id text NOT NULL,
  json jsonb NOT NULL,
  UNIQUE (tenant, key)
);
CREATE INDEX events_ts ON :schema.events (ts);
CREATE INDEX events_kind ON :schema.events (kind, seq);

CREATE TABLE :schema.messages (
  tenant text NOT NULL,
  message_id text NOT NULL,
  provider text NOT NULL,
  type text,
  contact text,
  ts bigint,
  status text,
  failed jsonb,
  PRIMARY KEY (tenant, message_id)
);
CREATE INDEX messages_ts ON :schema.messages (ts);

CREATE TABLE :schema.status_history (
  tenant text NOT NULL,
  message_id text NOT NULL,
  status text NOT NULL,
  recipient text NOT NULL DEFAULT '',
  ts bigint NOT NULL,
  errors jsonb,
  PRIMARY KEY (tenant, message_id, status, recipient)
);

CREATE TABLE :schema.contacts (
  tenant text NOT NULL,
  contact text NOT NULL,
  profile_name text,
  last_inbound_at bigint,
  window_open_until bigint,
  PRIMARY KEY (tenant, contact)
);

CREATE TABLE :schema.sessions (
  tenant text NOT NULL,
  session_id text NOT NULL,
  status text,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, session_id)
);

CREATE TABLE :schema.jobs (
  seq bigint NOT NULL REFERENCES :schema.events (seq) ON DELETE CASCADE,
  target text NOT NULL,
  conversation text NOT NULL,
  state smallint NOT NULL DEFAULT 0,
  attempts int NOT NULL DEFAULT 0,
  run_at bigint NOT NULL,
  last_error text,
  updated_at bigint NOT NULL,
  PRIMARY KEY (seq, target)
);
CREATE INDEX jobs_lane ON :schema.jobs (conversation, target, seq) WHERE state = 0;
CREATE INDEX jobs_dead ON :schema.jobs (seq) WHERE state = 2;

-- One lane per (conversation, target); its head is the oldest pending job, the only one that may run.
-- run_at is also the lease: claiming moves it past the lease's end.
CREATE TABLE :schema.lanes (
  conversation text NOT NULL,
  target text NOT NULL,
  head_seq bigint NOT NULL,
  run_at bigint NOT NULL,
  PRIMARY KEY (conversation, target)
);
CREATE INDEX lanes_ready ON :schema.lanes (run_at);

CREATE TABLE :schema.checkpoint (id int PRIMARY KEY CHECK (id = 1), position text NOT NULL);
INSERT INTO :schema.checkpoint VALUES (1, '');

CREATE TABLE :schema.event_counters (
  name text NOT NULL,
  shard int NOT NULL,
  value bigint NOT NULL,
  PRIMARY KEY (name, shard)
);

CREATE TABLE :schema.minutes (
  minute bigint PRIMARY KEY,
  deliveries bigint NOT NULL, events bigint NOT NULL, bytes_in bigint NOT NULL,
  duplicates bigint NOT NULL, rejected bigint NOT NULL,
  p50_ms double precision NOT NULL, p99_ms double precision NOT NULL,
  cpu_ms_per_delivery double precision NOT NULL, peak_rps bigint NOT NULL, log_bytes bigint NOT NULL,
  cpu_ms double precision NOT NULL, sampled_ms double precision NOT NULL
);
