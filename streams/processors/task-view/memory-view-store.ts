// An in-memory TaskViewStore with the MongoDB store's write rules (insert only if absent,
// replace only if unchanged), for unit tests of the processor. It can also lose a race on
// purpose: `interfere` runs before a write, as a concurrent writer would.
import type { StoredTask } from './fold.js';
import type { TaskViewStore, TaskWrite } from './view-store.js';

const copy = <T>(value: T): T => structuredClone(value);

const sameState = (a: StoredTask, b: StoredTask): boolean =>
  a.view.version === b.view.version && a.position.partition === b.position.partition && a.position.offset === b.position.offset;

export class MemoryViewStore implements TaskViewStore {
  readonly tasks = new Map<string, StoredTask>();
  loads = 0;
  writes = 0;
  interfere: ((write: TaskWrite) => void) | undefined;

  load(taskIds: readonly string[]): Promise<Map<string, StoredTask>> {
    this.loads++;
    const found = new Map<string, StoredTask>();
    for (const id of taskIds) {
      const task = this.tasks.get(id);
      if (task) found.set(id, copy(task));
    }
    return Promise.resolve(found);
  }

  write(writes: readonly TaskWrite[]): Promise<string[]> {
    const lost: string[] = [];
    for (const write of writes) {
      this.interfere?.(write);
      const id = write.next.view.id;
      const current = this.tasks.get(id);
      const wins = write.prev ? !!current && sameState(current, write.prev) : !current;
      if (wins) {
        this.tasks.set(id, copy(write.next));
        this.writes++;
      } else {
        lost.push(id);
      }
    }
    return Promise.resolve(lost);
  }
}
