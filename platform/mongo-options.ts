// The MongoDB driver's options for every process: a bounded number of commands in flight and no
// wait without an end.
//
// Why bounded: FerretDB 1.24 runs an update command on one PostgreSQL connection per matching
// statement plus one for the write, all taken from one pool (pool_max_conns, set in
// stack/components/ferretdb.sh). When the commands in flight across all processes hold the whole
// pool and each waits for one more connection, the server deadlocks: every command of every
// client hangs, for good (seen in `make chaos`: 60 users retrying at once after a gateway
// restart, through the driver's default pool of 100). Each process caps its commands with
// maxPoolSize, so the sum of what they can hold stays below FerretDB's pool.
//
// Why timeouts: the driver waits forever by default. A read or write that does not answer fails
// as a transient error instead (a 503 at the gateway, a retried batch in a processor).
import type { MongoClientOptions } from 'mongodb';

export function mongoClientOptions(maxPoolSize: number): MongoClientOptions {
  return {
    maxPoolSize,
    serverSelectionTimeoutMS: 10_000,
    waitQueueTimeoutMS: 10_000,
    socketTimeoutMS: 20_000,
  };
}
