// The contracts layer's public face: what crosses a process boundary. The Avro event contract
// (catalog, serde, the generated event types; the .avsc sources are schemas/avro/), the HTTP
// resources the gateway answers and the Socket.IO protocol the bridge speaks. Imports only
// domain/ and platform/.
export type * from './avro/generated/avro-types.js';
export { contractFor, topicContracts, topicSchemas, type EventTopic, type TopicContract, type TopicSchema } from './avro/catalog.js';
export type { EventSerde } from './avro/serde.js';
export { SORTS, type ChatAnswer, type ClientConfig, type ErrorBody, type HistoryEntry, type SortName, type TaskPage, type Settings } from './http.js';
export { NotificationSchema, type NotificationResource } from './notification-resource.js';
export { TaskResourceSchema, SettingsSchema, toTaskResource, taskViewFromDocument, settingsFromDocument, type TaskResource } from './task-resource.js';
export type { ClientToServerEvents, HandshakeAuth, NotificationPush, ResyncMessage, ServerToClientEvents, SyncedMessage, TaskPush } from './socket-protocol.js';
