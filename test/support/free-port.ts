// Ports for the processes a spec starts itself: asked of the kernel, never fixed, so a spec
// cannot collide with another stack or service on the machine.
import { createServer } from 'node:net';

/** A port free right now, for a process that must come back on the same one after a restart. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
