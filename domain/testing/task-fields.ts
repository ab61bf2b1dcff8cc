// A task's editable fields for tests and benchmarks: every field at its plain default, with
// what the test is about given on top.
import type { TaskFields } from '../events.js';

export function taskFields(over: Partial<TaskFields> = {}): TaskFields {
  return {
    title: 'a task',
    description: null,
    priority: 'medium',
    tags: [],
    dueAt: null,
    timeZone: null,
    recurrence: null,
    reminders: [],
    muted: false,
    ...over,
  };
}
