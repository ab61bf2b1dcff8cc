// Instants as the API speaks them (ISO 8601, UTC) and as people read and type them (the
// browser's time zone; <input type="datetime-local"> holds "YYYY-MM-DDTHH:mm" without a zone).

const pad = (n: number): string => String(n).padStart(2, '0');

/** An ISO instant as a datetime-local value in the local time zone; '' for none. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time) as an ISO instant; null for an empty or invalid one. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const date = new Date(value); // no zone in the text: local time, as the input shows it
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const display = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatInstant = (iso: string): string => display.format(new Date(iso));
