// The sockets of each user and what each has been sent. A socket's session starts "syncing":
// live changes are held back while its missed changes are read from the log, then the replayed
// and the held-back changes go out in offset order, each once (a change can be in both: the
// replay reads up to the log end taken after the session began listening). After that, live
// changes go straight out. The offset is the only dedup key needed: one user's changes all live
// in one partition, in order.

/** A change at a position of the user's partition. */
export interface Positioned<T> {
  offset: number;
  payload: T;
}

export class UserSession<T> {
  /** Offset of the last change the client has (sent, or known to it from its cursor). */
  private last: number;
  /** Live changes held back while syncing; null once synced. */
  private held: Positioned<T>[] | null = [];

  constructor(
    readonly userId: string,
    readonly partition: number,
    knownOffset: number,
    private readonly send: (change: Positioned<T>) => void,
  ) {
    this.last = knownOffset;
  }

  get syncing(): boolean {
    return this.held !== null;
  }

  get lastOffset(): number {
    return this.last;
  }

  /** A live change of this user. */
  offer(change: Positioned<T>): void {
    if (this.held) this.held.push(change);
    else this.deliver(change);
  }

  /**
   * The replay is done: `replayed` holds the user's changes after the client's cursor up to
   * `upTo` (inclusive), in order. Sends them, then what was held back; returns how many went out.
   */
  synced(replayed: readonly Positioned<T>[], upTo: number): number {
    let sent = 0;
    for (const change of replayed) sent += this.deliver(change);
    this.last = Math.max(this.last, upTo);
    const held = this.held ?? [];
    this.held = null;
    for (const change of held) sent += this.deliver(change);
    return sent;
  }

  private deliver(change: Positioned<T>): number {
    if (change.offset <= this.last) return 0;
    this.last = change.offset;
    this.send(change);
    return 1;
  }
}

export class Sessions<T> {
  private readonly byUser = new Map<string, Set<UserSession<T>>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(session: UserSession<T>): void {
    let set = this.byUser.get(session.userId);
    if (!set) this.byUser.set(session.userId, (set = new Set()));
    if (!set.has(session)) this.count++;
    set.add(session);
  }

  remove(session: UserSession<T>): void {
    const set = this.byUser.get(session.userId);
    if (!set?.delete(session)) return;
    this.count--;
    if (set.size === 0) this.byUser.delete(session.userId);
  }

  /** A live change read from `partition`: offered to the user's sessions on that partition. */
  dispatch(userId: string, partition: number, change: Positioned<T>): number {
    const set = this.byUser.get(userId);
    if (!set) return 0;
    let offered = 0;
    for (const session of set) {
      // A session on another partition holds a cursor from before a repartition; it resyncs.
      if (session.partition !== partition) continue;
      session.offer(change);
      offered++;
    }
    return offered;
  }
}
