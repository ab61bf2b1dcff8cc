// Connected devices: one Socket.IO client per watched user, as the web client connects. It keeps
// the cursor of the last `task` or `synced` it received and sends it on every reconnect, and
// records every change pushed to it, so the checker can compare them with the log.
import { io, type Socket } from 'socket.io-client';

export interface SocketLog {
  user: string;
  /** The cursor of the first `synced`: the socket owes every change after it. */
  firstCursor?: string;
  /** Event ids of the `task` pushes, in arrival order. */
  received: { eventId: string; cursor: string }[];
  connects: number;
  resyncs: { at: number; reason: string }[];
}

export class Device {
  readonly log: SocketLog;
  private readonly socket: Socket;
  private cursor: string | undefined;
  private synced = false;

  constructor(bridgeUrl: string, user: string, token: string) {
    this.log = { user, received: [], connects: 0, resyncs: [] };
    this.socket = io(bridgeUrl, {
      path: '/socket.io',
      transports: ['websocket'],
      // A function, so each reconnect sends the cursor of that moment.
      auth: (cb) => cb(this.cursor ? { token, cursor: this.cursor } : { token }),
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    this.socket.on('connect', () => {
      this.log.connects++;
      this.synced = false;
    });
    this.socket.on('task', (push: { event: { id: string }; cursor: string }) => {
      this.log.received.push({ eventId: push.event.id, cursor: push.cursor });
      this.cursor = push.cursor;
    });
    this.socket.on('synced', (msg: { cursor: string }) => {
      this.log.firstCursor ??= msg.cursor;
      this.cursor = msg.cursor;
      this.synced = true;
    });
    this.socket.on('resync', (msg: { reason: string }) => void this.log.resyncs.push({ at: Date.now(), reason: msg.reason }));
    // Refused handshakes (the bridge restarting) are retried by hand: socket.io gives up on them.
    this.socket.on('connect_error', () => setTimeout(() => this.socket.active || this.socket.connect(), 500));
  }

  connected(): boolean {
    return this.socket.connected && this.synced;
  }

  close(): void {
    this.socket.close();
  }
}
