// Ids that a processor derives from what it is reacting to, so that reprocessing the same input
// (after a crash, a redelivery, a reopen-and-complete) yields the same id and the consumers'
// dedup by eventId / taskId does the rest. RFC 9562 UUID version 5: SHA-1 over namespace + name.
import { createHash } from 'node:crypto';

/** todo-stream's own namespace, so our ids never collide with another system's v5 ids. */
export const TODO_STREAM_NAMESPACE = 'ace8f04f-7aeb-4714-b9a6-3abe4f451237';

/**
 * The UUID v5 of `parts` joined by '/' in todo-stream's namespace. Parts are joined, not hashed
 * one by one, so callers must not let a part contain '/' where that could make two different
 * inputs read the same (ids and numbers are safe).
 */
export function nameBasedId(...parts: readonly (string | number)[]): string {
  const namespace = Buffer.from(TODO_STREAM_NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(parts.join('/'), 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
