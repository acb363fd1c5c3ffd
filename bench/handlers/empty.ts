// The handler of the queue benchmarks: it does nothing, so they measure the queue and not the work.
export function event(): void {}
