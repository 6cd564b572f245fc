/**
 * Reads again every `everyMs`, one read at a time (a slow server must not fill the pool the
 * commits and leases use); a failing read is reported once per outage. Returns its stop.
 */
export function readEvery(read: () => Promise<void>, onError: (err: unknown) => void, everyMs: number): () => void {
  let reading = false;
  let failing = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    read()
      .then(
        () => {
          failing = false;
        },
        (err: unknown) => {
          if (!failing) onError(err);
          failing = true;
        },
      )
      .finally(() => {
        reading = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
