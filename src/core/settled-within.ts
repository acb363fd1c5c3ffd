/**
 * What `p` settles to, if it does within `ms`; undefined once `ms` has
 * passed. No timer is set for an infinite `ms`, and a rejection of `p`
 * within the time is thrown.
 *
 * @example await settledWithin(connecting, 300) // the socket, or undefined after 300 ms
 */
export async function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  if (!Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
