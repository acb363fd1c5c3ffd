import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { MediaStorage } from '../../src/ports/media-storage.js';

export interface MediaStorageFixture {
  readonly storage: MediaStorage;
  /** The location a key's object should have. */
  locationOf(key: string): string;
  dispose(): Promise<void>;
}

async function bytesOf(s: Readable | null): Promise<Buffer | null> {
  if (s === null) return null;
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function staged(dir: string, bytes: Buffer, name = 'x'): { file: string; key: string; bytes: number; sha256: string; mimeType: string } {
  const file = join(dir, `${name}.part`);
  writeFileSync(file, bytes, { mode: 0o600 });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { file, key: `default/${sha256.slice(0, 2)}/${sha256}`, bytes: bytes.length, sha256, mimeType: 'image/jpeg' };
}

/** What every media store promises: a staged file is published whole under its key, read back byte for byte, once per key. */
export function mediaStorageContract(engine: string, fixture: () => Promise<MediaStorageFixture>): void {
  describe(`media storage contract (${engine})`, () => {
    const work = (): string => mkdtempSync(join(tmpdir(), 'wahook-staged-'));

    test('put publishes the staged file under its key, consumes it, and get reads the same bytes back', async () => {
      const f = await fixture();
      const dir = work();
      try {
        const body = randomBytes(3 * 1024 * 1024 + 17);
        const o = staged(dir, body);
        assert.equal(await f.storage.put(o), f.locationOf(o.key));
        assert.equal(existsSync(o.file), false, 'the staged file is gone');
        assert.deepEqual(await bytesOf(await f.storage.get(o.key)), body);
        assert.equal(await f.storage.get(`default/00/${'0'.repeat(64)}`), null);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await f.dispose();
      }
    });

    test('the same key put again leaves one object with the same bytes; delete removes it', async () => {
      const f = await fixture();
      const dir = work();
      try {
        const body = randomBytes(1000);
        const first = staged(dir, body, 'a');
        const second = staged(dir, body, 'b');
        const [l1, l2] = [await f.storage.put(first), await f.storage.put(second)];
        assert.equal(l1, l2);
        assert.equal(existsSync(second.file), false);
        assert.deepEqual(await bytesOf(await f.storage.get(first.key)), body);
        await f.storage.delete(first.key);
        assert.equal(await f.storage.get(first.key), null);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await f.dispose();
      }
    });

    test('an empty file is an object too', async () => {
      const f = await fixture();
      const dir = work();
      try {
        const o = staged(dir, Buffer.alloc(0));
        await f.storage.put(o);
        assert.deepEqual(await bytesOf(await f.storage.get(o.key)), Buffer.alloc(0));
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await f.dispose();
      }
    });
  });
}
