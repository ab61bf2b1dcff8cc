// Live sync with the bridge over Socket.IO (docs/architecture.md section 4, bridge/README.md): the handshake
// carries the token and this tab's cursor, read afresh on every (re)connect, so the bridge
// replays exactly what the tab missed; `synced` says the replay is done. Also derives the
// connection state the page shows.
import { io, type Socket } from 'socket.io-client';
import type { ServerToClientEvents } from '../../contracts/socket-protocol.js';
import type { NotificationPush, ResyncMessage, TaskPush } from './contract.js';
import type { CursorStore } from './session.js';

export type ConnectionState = 'online' | 'reconnecting' | 'offline';

/** Where the socket is: connecting (or replaying), synced, retrying after a loss, or given up. */
export type Link = 'connecting' | 'synced' | 'retrying' | 'down';

/** The browser's own verdict comes first: without a network there is nothing to wait for. */
export function connectionState(browserOnline: boolean, link: Link): ConnectionState {
  if (!browserOnline || link === 'down') return 'offline';
  return link === 'synced' ? 'online' : 'reconnecting';
}

export interface LiveHandlers {
  task(push: TaskPush): void;
  /** The cursor was too old: the state must be reloaded over HTTP. */
  resync(message: ResyncMessage): void;
  notification(message: NotificationPush): void;
  state(state: ConnectionState): void;
  /** The bridge refused the token: the user must sign in again. */
  unauthorized(): void;
}

/** After the server refused a connection for another reason than the token, try again this much later. */
const RETRY_REFUSED_MS = 5000;

export class LiveSync {
  private socket: Socket<ServerToClientEvents> | null = null;
  private link: Link = 'connecting';
  private shown: ConnectionState | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly onBrowserChange = () => {
    const socket = this.socket;
    if (!socket) return;
    clearTimeout(this.retry);
    if (!navigator.onLine) {
      // Chromium keeps a WebSocket open when the network goes away,
      // and the socket would notice only on a TCP timeout, minutes later: drop it now.
      socket.disconnect();
      this.link = 'retrying';
    } else if (!socket.connected && !socket.active) {
      // Back online: a new connection, whose handshake carries the cursor, replays what was missed.
      socket.connect();
      this.link = 'connecting';
    }
    this.report();
  };

  constructor(
    private readonly bridgeUrl: string,
    private readonly token: string,
    private readonly cursors: CursorStore,
    private readonly handlers: LiveHandlers,
  ) {}

  start(): void {
    const socket: Socket<ServerToClientEvents> = io(this.bridgeUrl, {
      // A function: each reconnect sends the cursor of the last change received, not the first one.
      auth: (send) => {
        const cursor = this.cursors.get();
        send(cursor === undefined ? { token: this.token } : { token: this.token, cursor });
      },
      transports: ['websocket', 'polling'],
      reconnection: true,
    });
    this.socket = socket;

    socket.on('connect', () => this.setLink('connecting'));
    socket.on('task', (push) => {
      this.handlers.task(push);
      this.cursors.set(push.cursor);
    });
    socket.on('synced', ({ cursor }) => {
      if (cursor) this.cursors.set(cursor);
      this.setLink('synced');
    });
    socket.on('resync', (message) => {
      this.cursors.clear();
      this.handlers.resync(message);
    });
    socket.on('notification', (message, ack) => {
      this.handlers.notification(message);
      ack();
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      // The server closed the socket on purpose: Socket.IO leaves reconnecting to us.
      if (reason === 'io server disconnect') socket.connect();
      this.setLink('retrying');
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized') {
        this.stop();
        this.handlers.unauthorized();
        return;
      }
      if (socket.active) {
        this.setLink('retrying'); // the manager tries again with its back-off
        return;
      }
      this.setLink('down');
      clearTimeout(this.retry);
      this.retry = setTimeout(() => socket.connect(), RETRY_REFUSED_MS);
    });
    socket.io.on('reconnect_failed', () => this.setLink('down'));
    window.addEventListener('online', this.onBrowserChange);
    window.addEventListener('offline', this.onBrowserChange);
    this.report();
  }

  stop(): void {
    clearTimeout(this.retry);
    window.removeEventListener('online', this.onBrowserChange);
    window.removeEventListener('offline', this.onBrowserChange);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }

  private setLink(link: Link): void {
    this.link = link;
    this.report();
  }

  private report(): void {
    const state = connectionState(navigator.onLine, this.link);
    if (state === this.shown) return;
    this.shown = state;
    this.handlers.state(state);
  }
}
