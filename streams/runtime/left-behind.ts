// A Kafka client left behind (its disconnect did not finish in time: a call in flight to a
// broker that is gone) is kept referenced until that disconnect settles. Dropped, the garbage
// collector would run its native destructor on the main thread, which takes the client's
// connection lock and destroys the librdkafka handle there (kafka-javascript src/producer.cc,
// Producer::~Producer -> Disconnect): with the call in flight holding that lock, the whole
// event loop waits for it. make chaos saw a task-view stop dead, not even its stop signal
// handled, right after it left three transactional producers behind during a broker kill.
const leftBehind = new Set<object>();

/** Keeps `client` alive until `disconnected` settles (forever, if it never does). */
export function keepUntilDisconnected(client: object, disconnected: Promise<unknown>): void {
  leftBehind.add(client);
  void disconnected.then(
    () => leftBehind.delete(client),
    () => undefined, // not disconnected: its destructor would still have to destroy it
  );
}

/** How many clients are held (for metrics and tests). */
export function clientsLeftBehind(): number {
  return leftBehind.size;
}
