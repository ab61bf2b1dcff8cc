// The settings panel's values and the PUT /v1/me/settings body (pure). Quiet hours are both
// times or none; the time zone is an IANA name, offered as the browser's own until the user has
// saved settings (the API answers its defaults, UTC, until then).
import type { Settings } from './contract.js';

export interface SettingsForm {
  timeZone: string;
  /** HH:mm, or '' (with end '') for no quiet hours. */
  quietStart: string;
  quietEnd: string;
  email: boolean;
  push: boolean;
}

/** What the API answers for a user who never saved settings. */
const API_DEFAULTS: Settings = { timeZone: 'UTC', quietHours: null, channels: { email: false, push: false } };

export const neverSaved = (settings: Settings): boolean => JSON.stringify(settings) === JSON.stringify(API_DEFAULTS);

export function settingsFormOf(settings: Settings, browserZone: string): SettingsForm {
  return {
    timeZone: neverSaved(settings) ? browserZone : settings.timeZone,
    quietStart: settings.quietHours?.start ?? '',
    quietEnd: settings.quietHours?.end ?? '',
    email: settings.channels.email,
    push: settings.channels.push,
  };
}

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

export function settingsPayload(form: SettingsForm): { ok: true; value: Settings } | { ok: false; problem: string } {
  const timeZone = form.timeZone.trim();
  if (!timeZone) return { ok: false, problem: 'Choose a time zone, e.g. Europe/Berlin.' };
  const [start, end] = [form.quietStart.trim(), form.quietEnd.trim()];
  if (Boolean(start) !== Boolean(end)) return { ok: false, problem: 'Quiet hours need both a start and an end (or neither).' };
  if (start && (!HHMM.test(start) || !HHMM.test(end))) return { ok: false, problem: 'Quiet hours are times like 22:00.' };
  if (start && start === end) return { ok: false, problem: 'Quiet hours must start and end at different times.' };
  return { ok: true, value: { timeZone, quietHours: start ? { start, end } : null, channels: { email: form.email, push: form.push } } };
}
