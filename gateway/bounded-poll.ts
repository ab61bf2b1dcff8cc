// The gateway's bounded wait for a view that has no outcome topic (the settings and the
// notifications inbox: one small document each, changed rarely): probe with a backed-off pause
// (5 ms doubling to 100 ms) until the probe answers or the time is up. The pause never runs past
// the deadline, so a caller waits at most `timeoutMs` plus one probe.
const FIRST_PAUSE_MS = 5;
const MAX_PAUSE_MS = 100;

/** The probe's first non-null answer, or null once `timeoutMs` has passed without one. */
export async function pollUntil<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() + pause > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
