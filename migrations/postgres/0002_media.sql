-- Media items: one per message with media (ports/media-index.ts), written by the media jobs.
CREATE TABLE :schema.media (
  tenant text NOT NULL,
  message_id text NOT NULL,
  provider text NOT NULL,
  kind text NOT NULL,
  state text NOT NULL,
  mime_type text,
  bytes bigint,
  sha256 text,
  location text,
  error text,
  attempts int NOT NULL,
  job_seq bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (tenant, message_id)
);
CREATE INDEX media_updated ON :schema.media (updated_at);
CREATE INDEX media_message ON :schema.media (message_id);

-- A media message is listed as pending from the moment it is stored: its media job is queued in the ingest's
-- transaction, and this trigger records the item in that same transaction. A job queued again (`wahook media
-- fetch`) leaves the item it already has. 'media' is the media jobs' target (pipeline/media/spec.ts).
CREATE FUNCTION :schema.media_item_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO :schema.media (tenant, message_id, provider, kind, state, mime_type, attempts, job_seq, created_at, updated_at)
    SELECT e.tenant, coalesce(e.json->>'messageId', e.key), e.json->>'provider', coalesce(e.json->'media'->>'kind', 'unknown'), 'pending',
      e.json->'media'->>'mimeType', 0, NEW.seq, NEW.updated_at, NEW.updated_at
    FROM :schema.events e WHERE e.seq = NEW.seq
  ON CONFLICT (tenant, message_id) DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER media_item_queued AFTER INSERT ON :schema.jobs FOR EACH ROW WHEN (NEW.target = 'media') EXECUTE FUNCTION :schema.media_item_queued();

-- Items per state, kept by a trigger so the dashboard reads three rows instead of counting the table. The three
-- rows always exist, so a change of state is one UPDATE, which locks them in one order: no deadlock between
-- two items changing state at once.
CREATE TABLE :schema.media_counts (state text PRIMARY KEY, n bigint NOT NULL);
INSERT INTO :schema.media_counts (state, n) VALUES ('pending', 0), ('ready', 0), ('failed', 0);
CREATE FUNCTION :schema.media_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE :schema.media_counts SET n = n + 1 WHERE state = NEW.state;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE :schema.media_counts SET n = n - 1 WHERE state = OLD.state;
  ELSIF OLD.state IS DISTINCT FROM NEW.state THEN
    UPDATE :schema.media_counts SET n = n + CASE WHEN state = NEW.state THEN 1 ELSE -1 END WHERE state IN (OLD.state, NEW.state);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER media_counted AFTER INSERT OR UPDATE OF state OR DELETE ON :schema.media FOR EACH ROW EXECUTE FUNCTION :schema.media_counted();
