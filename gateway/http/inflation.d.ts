// inflation (the body decompressor co-body uses) ships no types.
declare module 'inflation' {
  import type { IncomingMessage } from 'node:http';
  import type { Readable } from 'node:stream';
  export default function inflate(stream: IncomingMessage, options?: { limit?: number }): Readable;
}
