// The chat grammar's public face: parse a message into an intent, plan it over the user's
// tasks, word the answers. Pure; gateway/routes/chat.ts runs the plan through the write path.
export { type ChatClock } from './dates.js';
export { parseChat, type ChatIntent, type CreateBody, type ListFilter } from './intents.js';
export { planChat, type ChatStep, type LifecycleType, type ListedTask, type PatchBody, type SettingsChange } from './plan.js';
export { helpReply } from './reply.js';
