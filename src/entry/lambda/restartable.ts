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

/** A container given as a promise (started once) or as a getter (`restartable`), as a getter. */
export function containerGetter<C>(container: Promise<C> | (() => Promise<C>)): () => Promise<C> {
  if (typeof container === 'function') return container;
  // A failed start is answered by each request, never left unhandled for the runtime to crash on.
  container.catch(() => undefined);
  return () => container;
}
