/**
 * Rejects as soon as `signal` aborts, whatever `work` still waits for (not
 * every fetch, interceptor or client stops a pending read on abort).
 *
 * Each call has its own abort listener, removed when `work` settles. A
 * `Promise.race` against one promise that stays pending for a stream's
 * life would keep every read's result (each chunk) reachable through that
 * promise's reactions: a watch stream leaked its every byte that way.
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      error => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
