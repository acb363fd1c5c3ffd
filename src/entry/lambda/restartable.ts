/**
 * A container that is started again on the first use after its start failed
 * (secrets throttled at a burst of cold starts, a store not reachable yet),
 * at most once per `minGapMs`: one failed start must not leave the
 * container failing every request for the rest of its life.
 * @example const container = restartable(() => startReceiveContainer(process.env));
 */
export function restartable<C>(start: () => Promise<C>, minGapMs = 1_000, now: () => number = Date.now): () => Promise<C> {
  let current = start();
  let startedAt = now();
  current.catch(() => undefined);
  return async () => {
    try {
      return await current;
    } catch (e) {
      if (now() - startedAt < minGapMs) throw e;
      startedAt = now();
      current = start();
      current.catch(() => undefined);
      return current;
    }
  };
}
