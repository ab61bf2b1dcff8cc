// The views layer's public face: each materialized view's document, indexes, collection pointer
// and readers. A view has one writer, its processor in streams/processors/<view>/ (the task
// view's is streams/processors/task-view/view-store.ts); everyone else reads, and lint keeps
// anyone but the owning processor from importing a writer (eslint.config.js, VIEW_WRITER).
export {
  liveViewCollection,
  readPointer,
  readTaskView,
  resolveViewCollection,
  PRIORITY_RANK,
  STORAGE_FIELDS,
  TASK_INDEXES,
  VIEWS_META,
  type TaskDocument,
  type ViewPointer,
} from './task-view.js';
export { ensureNotificationIndexes, type NotificationDocument } from './notification-view.js';
