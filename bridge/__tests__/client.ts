// A device as the bridge sees it: a plain socket.io-client that keeps its cursor like a real
// client does (from every `task` and `synced`) and sends it on every (re)connect. Everything it
// receives is recorded, and tests await what they expect instead of sleeping.
import { io, type Socket } from 'socket.io-client';
import type { NotificationPush, ResyncMessage, ServerToClientEvents, SyncedMessage, TaskPush } from '../../contracts/socket-protocol.js';

export interface DeviceOptions {
  token: string;
  cursor?: string;
  transports?: ('websocket' | 'polling')[];
  reconnection?: boolean;
  /** Acknowledge notifications as a client does once it showed them (default true). */
  ack?: boolean;
}

type Received =
  | { kind: 'task'; push: TaskPush; at: number }
  | { kind: 'notification'; push: NotificationPush; at: number }
  | { kind: 'synced'; message: SyncedMessage }
  | { kind: 'resync'; message: ResyncMessage };

export class Device {
  readonly socket: Socket<ServerToClientEvents>;
  readonly received: Received[] = [];
  cursor: string | undefined;
  private waiters: (() => void)[] = [];

  constructor(url: string, options: DeviceOptions) {
    this.cursor = options.cursor;
    this.socket = io(url, {
      auth: (cb) => cb({ token: options.token, ...(this.cursor ? { cursor: this.cursor } : {}) }),
      transports: options.transports ?? ['websocket'],
      reconnection: options.reconnection ?? false,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      forceNew: true,
    });
    this.socket.on('task', (push) => {
      this.cursor = push.cursor;
      this.record({ kind: 'task', push, at: Date.now() });
    });
    this.socket.on('synced', (message) => {
      this.cursor = message.cursor;
      this.record({ kind: 'synced', message });
    });
    this.socket.on('resync', (message) => this.record({ kind: 'resync', message }));
    this.socket.on('notification', (push, ack) => {
      this.record({ kind: 'notification', push, at: Date.now() });
      if (options.ack ?? true) ack();
    });
  }

  get tasks(): TaskPush[] {
    return this.received.flatMap((r) => (r.kind === 'task' ? [r.push] : []));
  }

  get notifications(): (NotificationPush['notification'] & { receivedAt: number })[] {
    return this.received.flatMap((r) => (r.kind === 'notification' ? [{ ...r.push.notification, receivedAt: r.at }] : []));
  }

  get syncs(): SyncedMessage[] {
    return this.received.flatMap((r) => (r.kind === 'synced' ? [r.message] : []));
  }

  /** Resolves once `done` holds over what was received; rejects after `timeoutMs`. */
  until(done: (device: this) => boolean, timeoutMs = 15_000, what = 'the expected pushes'): Promise<void> {
    if (done(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received.map(summary))}`));
      }, timeoutMs);
      const check = () => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  /** Resolves after the n-th `synced` (the handshake and its replay are done). */
  synced(n = 1): Promise<void> {
    return this.until((d) => d.syncs.length >= n, 15_000, `synced #${n}`);
  }

  /** Resolves with the connect error's message (a refused handshake). */
  refused(): Promise<string> {
    return new Promise((resolve) => this.socket.once('connect_error', (err) => resolve(err.message)));
  }

  close(): void {
    this.socket.disconnect();
  }

  private record(entry: Received): void {
    this.received.push(entry);
    for (const waiter of [...this.waiters]) waiter();
  }
}

function summary(r: Received): string {
  if (r.kind === 'task') return `task ${r.push.event.type} ${r.push.task?.title ?? ''} v${r.push.task?.version ?? '-'}`;
  if (r.kind === 'notification') return `notification ${r.push.notification.title}`;
  return `${r.kind} ${JSON.stringify(r.message)}`;
}
