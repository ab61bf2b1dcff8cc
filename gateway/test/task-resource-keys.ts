// Every field of a task as the API shows it, sorted: written out here, independently of
// task-resource.ts, so a field that leaks (the owner, a storage field) or goes missing fails.
export const TASK_RESOURCE_KEYS = [
  'completedAt',
  'createdAt',
  'description',
  'dueAt',
  'id',
  'muted',
  'priority',
  'recurrence',
  'reminders',
  'seriesId',
  'status',
  'tags',
  'timeZone',
  'title',
  'updatedAt',
  'version',
];
