import assert from 'node:assert/strict';
import { statSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { mediaStorageContract } from '../../../test/contracts/media-storage.contract.js';
import { tempDir } from '../../../test/helpers/gateway.js';
import { fileMediaStorage } from './media-storage.js';

mediaStorageContract('filesystem', async () => {
  const dir = tempDir('wahook-media-fs-');
  const root = join(dir, 'media');
  return {
    storage: fileMediaStorage(root),
    locationOf: (key) => pathToFileURL(join(root, ...key.split('/'))).href,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

test('filesystem media: objects and their folders are the owner\'s alone, and keys cannot climb out', async () => {
  const dir = tempDir('wahook-media-fs-');
  try {
    const storage = fileMediaStorage(join(dir, 'media'));
    const file = join(dir, 'x.part');
    writeFileSync(file, 'abc', { mode: 0o600 });
    const sha = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    await storage.put({ file, key: `default/ba/${sha}`, bytes: 3, sha256: sha, mimeType: 'text/plain' });
    assert.equal(statSync(join(dir, 'media', 'default', 'ba', sha)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'media', 'default')).mode & 0o777, 0o700);
    await assert.rejects(storage.get('default/../../etc/passwd'), /not a media storage key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
