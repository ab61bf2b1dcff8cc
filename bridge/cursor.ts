// A client's place in its user's stream: the partition of task-views that holds the user's
// events and the offset of the last one it has seen. Opaque text to clients ("3:1042").
export interface Cursor {
  partition: number;
  offset: number;
}

const CURSOR = /^(\d{1,4}):(-1|\d{1,15})$/;

/** The cursor a client sent; null when absent; 'invalid' when it is not one we could have issued. */
export function parseCursor(raw: unknown): Cursor | null | 'invalid' {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') return 'invalid';
  const m = CURSOR.exec(raw);
  return m ? { partition: Number(m[1]), offset: Number(m[2]) } : 'invalid';
}

export function formatCursor({ partition, offset }: Cursor): string {
  return `${partition}:${offset}`;
}
