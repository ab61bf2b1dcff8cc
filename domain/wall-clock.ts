// Wall-clock time in an IANA zone, without the process's own zone ever taking part: a wall time is
// carried as "floating" milliseconds (its fields read with getUTC*), and only @date-fns/tz's
// Intl-based offsets turn it into an instant. So the results are the same under any TZ.
import { tzOffset } from '@date-fns/tz';

const MINUTE = 60_000;
export const DAY_MS = 86_400_000;

const offsetMs = (zone: string, instant: number): number => tzOffset(zone, new Date(instant)) * MINUTE;

/** The wall-clock time an instant shows in `zone`, as floating milliseconds (read it with getUTC*). */
export function toWallTime(instant: number, zone: string): number {
  return instant + offsetMs(zone, instant);
}

/**
 * Which instant to take when a wall time occurs twice (the hour repeated when clocks go back).
 * A wall time that does not exist (skipped when clocks go forward) always moves forward by the
 * length of the gap, whatever the choice: 02:30 on a spring-forward night becomes 03:30.
 */
export type Repeated = 'earlier' | 'later';

/**
 * The instant at which `zone` shows the floating wall time `wall`. Same rules as Temporal's
 * "compatible" disambiguation and as Python's zoneinfo with fold=0 (so dateutil agrees): a
 * repeated time gives the earlier instant (unless `repeated` says otherwise); a skipped time is
 * read with the offset in force before the gap, which lands as far past the gap's end as it was
 * past the gap's start.
 */
export function fromWallTime(wall: number, zone: string, repeated: Repeated = 'earlier'): number {
  // No zone changes its offset twice within two days, so the offsets a day either side are the
  // only candidates.
  const before = offsetMs(zone, wall - DAY_MS);
  const after = offsetMs(zone, wall + DAY_MS);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((instant) => toWallTime(instant, zone) === wall)
    .sort((a, b) => a - b);
  if (candidates.length === 0) return wall - before;
  return (repeated === 'earlier' ? candidates[0] : candidates[candidates.length - 1]) as number;
}

/**
 * The first instant of the offset in force at `to`, searched back to `from`: the moment the zone's
 * clock last jumped (null when it did not within the range). Bisection to the millisecond, as
 * @date-fns/tz's tzScan only resolves whole hours from the range's start.
 */
export function offsetChangeBefore(zone: string, from: number, to: number): number | null {
  const target = offsetMs(zone, to);
  if (offsetMs(zone, from) === target) return null;
  let [lo, hi] = [from, to];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Floating milliseconds of midnight of the wall time's day. */
export const startOfWallDay = (wall: number): number => Math.floor(wall / DAY_MS) * DAY_MS;
