import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.js';
import { wireError } from './http.js';
import { downloaded } from './reclaim.js';

/** A download written to a private temporary file, with its size and hash. */
export interface Staged {
  readonly file: string;
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

export interface StageOptions {
  /** Most bytes the file may hold; more fails the attempt as WAHOOK_ERR_MEDIA_TOO_LARGE. */
  readonly maxBytes: number;
  /** Most bytes the answer may carry (an encrypted file is a little larger than what it decrypts to). */
  readonly maxInputBytes?: number;
  /** Turns each chunk of the answer into what is written (decryption); identity when absent. */
  readonly transform?: (chunk: Buffer) => Buffer;
  /** Called once the answer has ended: its checks, and the last bytes to write. */
  readonly finish?: () => Buffer;
  readonly signal?: AbortSignal;
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('WAHOOK_ERR_MEDIA_TOO_LARGE', `The media is larger than media.maxBytes (${limit} bytes)`);
}

/**
 * Streams an answer to a temporary file under `dir`, hashing it on the way.
 * Each chunk is written before the next is read, so memory holds a chunk or
 * two whatever the size; a size over the limit stops the download at once.
 * On any failure the file is removed, so nothing half-written outlives the
 * attempt.
 */
export async function stage(res: IncomingMessage, dir: string, url: URL, o: StageOptions): Promise<Staged> {
  const declared = Number(res.headers['content-length']);
  const inputLimit = o.maxInputBytes ?? o.maxBytes;
  if (Number.isFinite(declared) && declared > inputLimit) {
    res.destroy();
    throw tooLarge(o.maxBytes);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${randomUUID()}.part`);
  const fh = await open(file, 'wx', 0o600);
  const hash = createHash('sha256');
  let bytes = 0;
  let received = 0;
  const write = async (out: Buffer): Promise<void> => {
    if (out.length === 0) return;
    bytes += out.length;
    if (bytes > o.maxBytes) throw tooLarge(o.maxBytes);
    hash.update(out);
    await fh.write(out);
  };
  try {
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > inputLimit) throw tooLarge(o.maxBytes);
        downloaded(chunk.length);
        await write(o.transform ? o.transform(chunk) : chunk);
      }
    } catch (e) {
      if (o.signal?.aborted) throw new GatewayError('WAHOOK_ERR_MEDIA_TIMEOUT', `${url.host}: the attempt ran past media.timeoutMs`);
      throw wireError(e, url);
    }
    if (o.finish) await write(o.finish());
    await fh.close();
    return { file, bytes, sha256: hash.digest('hex') };
  } catch (e) {
    res.destroy();
    await fh.close().catch(() => undefined);
    await rm(file, { force: true });
    throw e;
  }
}

/**
 * Removes temporary files a stopped process left behind. Only files older
 * than `olderThanMs`: another worker on the same data dir may be writing
 * the newer ones.
 */
export async function sweepStaging(dir: string, olderThanMs: number, now: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.part')) continue;
    const path = join(dir, name);
    const s = await stat(path).catch(() => null);
    if (s && now - s.mtimeMs > olderThanMs) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}
