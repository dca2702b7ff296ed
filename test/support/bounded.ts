/** Bounded waiting: every live-test loop and wait ends by a deadline. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` every `intervalMs` until it returns a value other than
 * undefined, or throws `${what} did not happen within ${timeoutMs} ms`.
 */
export async function retryUntil<T>(what: string, timeoutMs: number, attempt: () => T | undefined | Promise<T | undefined>, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${what} did not happen within ${timeoutMs} ms${why}`);
    }
    await sleep(intervalMs);
  }
}
