// Which kind of store each state store is, and where the disk stores live. Chosen per store by
// configuration (STREAMS_STORE), as Kafka Streams chooses a store supplier per store.
import { mkdirSync, rmSync } from 'node:fs';
import { DiskEnvironment } from './disk-store.js';
import { MemoryStore, type PartitionStore } from './state-store.js';

export const STORE_KINDS = ['memory', 'disk'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

const isKind = (word: string): word is StoreKind => (STORE_KINDS as readonly string[]).includes(word);

/**
 * Reads a store-kind setting: a kind for every store (`disk`), kinds per store (`tasks=disk,due=disk`),
 * or both (`disk,users=memory`). A store the setting does not name is the store definition's own
 * kind, else the setting's default, else memory.
 */
export function storeKinds(setting: string | undefined, declared: ReadonlyMap<string, StoreKind | undefined> = new Map()): (store: string) => StoreKind {
  let fallback: StoreKind | undefined;
  const named = new Map<string, StoreKind>();
  for (const part of (setting ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, kind] = part.includes('=') ? part.split('=', 2).map((s) => s.trim()) : [undefined, part];
    if (kind === undefined || !isKind(kind)) throw new Error(`store kind "${kind}" in "${setting}" is none of ${STORE_KINDS.join(', ')}`);
    if (name === undefined) fallback = kind;
    else named.set(name, kind);
  }
  return (store) => named.get(store) ?? declared.get(store) ?? fallback ?? 'memory';
}

export interface StateStores {
  /** A fresh store for a partition: empty, ready to be restored from its changelog. */
  open(store: string, partition: number): PartitionStore<unknown>;
  /** Closes the disk environment and deletes its directory. */
  close(): Promise<void>;
}

/**
 * The stores of one app. The disk stores share one LMDB environment in `stateDir`, created on
 * first use; the directory is wiped when it is created and when the app closes, since every store
 * is restored from its changelog on assignment (no checkpoint lets a restart reuse it).
 */
export function openStateStores(options: { stateDir: string; kindOf: (store: string) => StoreKind }): StateStores {
  let env: DiskEnvironment | undefined;
  return {
    open(store, partition) {
      if (options.kindOf(store) === 'memory') return new MemoryStore<unknown>();
      if (!env) {
        rmSync(options.stateDir, { recursive: true, force: true });
        mkdirSync(options.stateDir, { recursive: true });
        env = new DiskEnvironment(options.stateDir);
      }
      return env.open<unknown>(store, partition);
    },
    async close() {
      if (!env) return;
      await env.close();
      env = undefined;
      rmSync(options.stateDir, { recursive: true, force: true });
    },
  };
}
