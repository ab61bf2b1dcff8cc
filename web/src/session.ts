// Who is signed in in this browser (the token, in localStorage, shared by its tabs) and how far
// this tab has read the user's changes (the bridge cursor, in memory and sessionStorage: per
// tab, and it survives a reload of the tab, so a reload replays only what it missed).
const TOKEN_KEY = 'todo-stream.token';
const CURSOR_KEY = 'todo-stream.cursor.';

export interface Session {
  token: string;
  /** The token's `sub`, read without verifying it: the gateway and the bridge verify. */
  userId: string;
}

/** Storage may be unavailable (privacy modes, disabled cookies): the app still works for this page's lifetime. */
function tryStorage<T>(use: () => T, fallback: T): T {
  try {
    return use();
  } catch {
    return fallback;
  }
}

/** The `sub` of a JWT, or null when the text is not a JWT with one. */
export function subjectOf(token: string): string | null {
  const payload = token.split('.')[1];
  if (!payload || token.split('.').length !== 3) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' && sub !== '' ? sub : null;
  } catch {
    return null;
  }
}

export function sessionOf(token: string): Session | null {
  const trimmed = token.trim();
  const userId = subjectOf(trimmed);
  return userId ? { token: trimmed, userId } : null;
}

export function loadSession(): Session | null {
  const token = tryStorage(() => localStorage.getItem(TOKEN_KEY), null);
  return token ? sessionOf(token) : null;
}

export function saveSession(session: Session): void {
  tryStorage(() => localStorage.setItem(TOKEN_KEY, session.token), undefined);
}

export function clearSession(): void {
  tryStorage(() => localStorage.removeItem(TOKEN_KEY), undefined);
}

/** The bridge cursor of one user in this tab. */
export class CursorStore {
  private cursor: string | undefined;
  private readonly key: string;

  constructor(userId: string) {
    this.key = CURSOR_KEY + userId;
    this.cursor = tryStorage(() => sessionStorage.getItem(this.key) ?? undefined, undefined);
  }

  get(): string | undefined {
    return this.cursor;
  }

  set(cursor: string): void {
    this.cursor = cursor;
    tryStorage(() => sessionStorage.setItem(this.key, cursor), undefined);
  }

  clear(): void {
    this.cursor = undefined;
    tryStorage(() => sessionStorage.removeItem(this.key), undefined);
  }
}
