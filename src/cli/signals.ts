/** Resolves after `ms` (if given) or on the first SIGINT/SIGTERM, whichever is first. */
export function untilSignalOr(ms: number | undefined): Promise<NodeJS.Signals | 'timeout'> {
  return new Promise((resolve) => {
    const timer = ms !== undefined ? setTimeout(() => finish('timeout'), ms) : undefined;
    const onSignal = (s: NodeJS.Signals): void => finish(s);
    function finish(why: NodeJS.Signals | 'timeout'): void {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(why);
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
