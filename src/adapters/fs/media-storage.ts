import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../../core/errors.js';
import type { MediaStorage, StagedObject } from '../../ports/media-storage.js';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * Media as files under one directory, at their content-addressed keys. A
 * file is synced and then renamed into place, so a crash leaves either no
 * object or the whole, verified one; the directory is the owner's alone,
 * like the data dir (the files hold customers' photos and voice notes).
 */
export function fileMediaStorage(dir: string): MediaStorage {
  const root = resolve(dir);
  const pathOf = (key: string): string => {
    const parts = key.split('/');
    if (parts.some((p) => !SEGMENT.test(p))) throw new GatewayError('WAHOOK_ERR_INTERNAL', `"${key}" is not a media storage key`);
    return join(root, ...parts);
  };
  const failed = (key: string, e: unknown): GatewayError =>
    new GatewayError('WAHOOK_ERR_MEDIA_STORAGE_FAILED', `Writing media ${key} under ${root} failed: ${(e as Error).message}`, { cause: e });
  return {
    root: pathToFileURL(root).href,
    async put(o: StagedObject): Promise<string> {
      const target = pathOf(o.key);
      try {
        await mkdir(dirname(target), { recursive: true, mode: 0o700 });
        const existing = await stat(target).catch(() => null);
        if (existing?.size === o.bytes) {
          // Same key, same size: the same content, stored by an earlier job.
          await rm(o.file, { force: true });
          return pathToFileURL(target).href;
        }
        await syncPath(o.file);
        await rename(o.file, target).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EXDEV') throw e;
          // Staged on another filesystem: copy beside the target, sync, then rename, so the key still appears whole.
          const beside = `${target}.${process.pid}.part`;
          await copyFile(o.file, beside);
          await syncPath(beside);
          await rename(beside, target);
          await rm(o.file, { force: true });
        });
        await syncPath(dirname(target));
        return pathToFileURL(target).href;
      } catch (e) {
        throw failed(o.key, e);
      }
    },
    async get(key: string): Promise<Readable | null> {
      const path = pathOf(key);
      const found = await stat(path).catch(() => null);
      return found?.isFile() ? createReadStream(path) : null;
    },
    async delete(key: string): Promise<void> {
      await rm(pathOf(key), { force: true });
    },
    async close(): Promise<void> {},
  };
}
