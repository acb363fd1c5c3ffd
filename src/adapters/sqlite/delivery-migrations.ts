/** Numbered schema steps of deliveries.db; never edit a released step, append one. */
export const DELIVERY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    provider TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    -- sha256 of the exact bytes: the same bytes are stored once per tenant and provider, whatever signed them.
    -- Its index lives in dedupe.db, outside the fsync path (see delivery-writer.ts).
    digest BLOB NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL
  );
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, pad BLOB);
  `,
  `
  -- The Cloud API signature as its 32 bytes, for rows whose headers text is then empty (see stored-headers.ts).
  ALTER TABLE deliveries ADD COLUMN signature BLOB;
  `,
];
