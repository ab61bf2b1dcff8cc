// One process of the bridge benchmark's client swarm: opens a socket per user (in waves, each
// awaiting `synced`), then records for every pushed change the time from the event occurring to
// its arrival. Driven over IPC by bench/bridge.bench.ts: 'ready' when all sockets are synced,
// then on 'report' it answers with the latencies and closes everything.
import { io, type Socket } from 'socket.io-client';
import { signDevToken } from '../gateway/auth.js';
import { DEV_JWT_SECRET } from '../gateway/config.js';
import type { ServerToClientEvents } from '../contracts/socket-protocol.js';

const [url, usersArg] = process.argv.slice(2);
const users = usersArg!.split(',');
const WAVE = 250;
const latencies: number[] = [];
const sockets: Socket<ServerToClientEvents>[] = [];

for (let i = 0; i < users.length; i += WAVE) {
  await Promise.all(
    users.slice(i, i + WAVE).map(async (user) => {
      const token = await signDevToken(user, process.env.JWT_SECRET ?? DEV_JWT_SECRET);
      const socket: Socket<ServerToClientEvents> = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      socket.on('task', (push) => latencies.push(Date.now() - Date.parse(push.event.occurredAt)));
      await new Promise<void>((resolve, reject) => {
        socket.once('synced', () => resolve());
        socket.once('connect_error', reject);
      });
    }),
  );
}
process.send!({ type: 'ready', sockets: sockets.length });
process.on('message', (message: { type: string }) => {
  if (message.type === 'reset') latencies.length = 0;
  if (message.type !== 'report') return;
  process.send!({ type: 'report', latencies }, () => {
    for (const socket of sockets) socket.disconnect();
    process.exit(0);
  });
});
