/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Added to the timeout's message: the last value, a process's output, … */
  detail?: (last: unknown) => string;
}

/**
 * Calls `fn` every `intervalMs` until it returns a truthy value, and answers that value;
 * throws "timed out waiting for `what`" after `timeoutMs`.
 */
export async function poll<T>(what: string, fn: () => T | Promise<T>, opts: PollOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await sleep(opts.intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${opts.detail?.(last) ?? ""}`);
}
