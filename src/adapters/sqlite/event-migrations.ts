/** Numbered schema steps of events.db; never edit a released step, append one. */
export const EVENT_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    type TEXT NOT NULL,
    ts INTEGER NOT NULL,
    delivery_id INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX events_key ON events (tenant, key);
  CREATE INDEX events_ts ON events (ts);
  CREATE TABLE messages (
    tenant TEXT NOT NULL,
    message_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    type TEXT,
    contact TEXT,
    ts INTEGER,
    status TEXT,
    failed TEXT,
    PRIMARY KEY (tenant, message_id)
  ) WITHOUT ROWID;
  CREATE TABLE status_history (
    tenant TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    recipient TEXT NOT NULL DEFAULT '',
    ts INTEGER NOT NULL,
    errors TEXT,
    PRIMARY KEY (tenant, message_id, status, recipient)
  ) WITHOUT ROWID;
  CREATE TABLE contacts (
    tenant TEXT NOT NULL,
    contact TEXT NOT NULL,
    profile_name TEXT,
    last_inbound_at INTEGER,
    window_open_until INTEGER,
    PRIMARY KEY (tenant, contact)
  ) WITHOUT ROWID;
  CREATE TABLE sessions (
    tenant TEXT NOT NULL,
    session_id TEXT NOT NULL,
    status TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, session_id)
  ) WITHOUT ROWID;
  CREATE TABLE jobs (
    seq INTEGER NOT NULL,
    target TEXT NOT NULL,
    conversation TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    last_error TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (seq, target)
  ) WITHOUT ROWID;
  CREATE INDEX jobs_conversation ON jobs (conversation, target, seq) WHERE state = 0;
  -- One lane per (conversation, target): its head is the oldest pending job, the only one that may run.
  -- Claiming reads lanes by run_at, so its cost does not grow with the backlog.
  CREATE TABLE lanes (
    conversation TEXT NOT NULL,
    target TEXT NOT NULL,
    head_seq INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    PRIMARY KEY (conversation, target)
  ) WITHOUT ROWID;
  CREATE INDEX lanes_ready ON lanes (run_at);
  CREATE INDEX jobs_dead ON jobs (state) WHERE state = 2;
  CREATE TABLE cursor (id INTEGER PRIMARY KEY CHECK (id = 1), delivery_id INTEGER NOT NULL);
  INSERT INTO cursor (id, delivery_id) VALUES (1, 0);
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  `,
  `
  -- The worker's position in the delivery log as the log's own opaque text (a row id here, a stream id elsewhere).
  CREATE TABLE checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL);
  INSERT INTO checkpoint (id, position) SELECT 1, CASE WHEN delivery_id = 0 THEN '' ELSE CAST(delivery_id AS TEXT) END FROM cursor;
  DROP TABLE cursor;
  `,
  `
  -- Media items: one per message with media, written by the media jobs (ports/media-index.ts).
  CREATE TABLE media (
    tenant TEXT NOT NULL,
    message_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    mime_type TEXT,
    bytes INTEGER,
    sha256 TEXT,
    location TEXT,
    error TEXT,
    attempts INTEGER NOT NULL,
    job_seq INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, message_id)
  ) WITHOUT ROWID;
  CREATE INDEX media_updated ON media (updated_at);
  CREATE INDEX media_message ON media (message_id);
  -- A runner that claims one target (media downloads) reads its ready lanes without scanning the others'.
  CREATE INDEX lanes_target_ready ON lanes (target, run_at);
  `,
  `
  -- A media message is listed as pending from the moment it is stored, not from its first download attempt:
  -- its media job is queued in the ingest's transaction, and this trigger records the item in that same
  -- transaction. A job queued again (\`wahook media fetch\`) leaves the item it already has.
  CREATE TRIGGER media_item_queued AFTER INSERT ON jobs WHEN NEW.target = 'media'
  BEGIN
    INSERT OR IGNORE INTO media (tenant, message_id, provider, kind, state, mime_type, attempts, job_seq, created_at, updated_at)
      SELECT e.tenant, coalesce(json_extract(e.json, '$.messageId'), e.key), json_extract(e.json, '$.provider'),
        coalesce(json_extract(e.json, '$.media.kind'), 'unknown'), 'pending', json_extract(e.json, '$.media.mimeType'), 0, NEW.seq, NEW.updated_at, NEW.updated_at
      FROM events e WHERE e.seq = NEW.seq;
  END;
  INSERT OR IGNORE INTO media (tenant, message_id, provider, kind, state, mime_type, attempts, job_seq, created_at, updated_at)
    SELECT e.tenant, coalesce(json_extract(e.json, '$.messageId'), e.key), json_extract(e.json, '$.provider'),
      coalesce(json_extract(e.json, '$.media.kind'), 'unknown'), 'pending', json_extract(e.json, '$.media.mimeType'), 0, j.seq, j.updated_at, j.updated_at
    FROM jobs j JOIN events e ON e.seq = j.seq WHERE j.target = 'media';
  -- Items per state, kept by triggers so the dashboard reads three rows instead of counting the table.
  CREATE TABLE media_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO media_counts (state, n) SELECT state, count(*) FROM media GROUP BY state;
  CREATE TRIGGER media_counted AFTER INSERT ON media
  BEGIN
    INSERT INTO media_counts (state, n) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER media_recounted AFTER UPDATE OF state ON media WHEN OLD.state IS NOT NEW.state
  BEGIN
    UPDATE media_counts SET n = n - 1 WHERE state = OLD.state;
    INSERT INTO media_counts (state, n) VALUES (NEW.state, 1) ON CONFLICT (state) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER media_uncounted AFTER DELETE ON media
  BEGIN
    UPDATE media_counts SET n = n - 1 WHERE state = OLD.state;
  END;
  `,
];
