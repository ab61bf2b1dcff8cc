// The events as the code handles them: an envelope plus a discriminated (type, payload) pair.
// On the wire, Avro carries the payload as a union branch named by its record; toWire/fromWire
// convert between the two shapes, so nothing else needs to know about union wrapping.
import type {
  TaskEvent as TaskEventWire,
  TaskEventPayloads,
  UserEvent as UserEventWire,
  UserEventPayloads,
} from '../schemas/generated/avro-types.js';
import { TaskEventNamespace, UserEventNamespace } from '../schemas/generated/avro-types.js';

export type { TaskEventPayloads, UserEventPayloads };
export type * from '../schemas/generated/avro-types.js';

type Envelope<W> = Omit<W, 'type' | 'payload'>;
type Discriminated<W, P> = { [K in keyof P & string]: Envelope<W> & { type: K; payload: P[K] } }[keyof P & string];

export type TaskEventType = keyof TaskEventPayloads & string;
export type UserEventType = keyof UserEventPayloads & string;
export type TaskEvent = Discriminated<TaskEventWire, TaskEventPayloads>;
export type UserEvent = Discriminated<UserEventWire, UserEventPayloads>;
export type TaskEventOf<K extends TaskEventType> = Extract<TaskEvent, { type: K }>;

function wrap<W>(namespace: string, event: { type: string; payload: unknown }): W {
  return { ...event, payload: { [`${namespace}.${event.type}`]: event.payload } } as W;
}

function unwrap<E>(event: { type: string; payload: unknown }): E {
  const branches = Object.entries(event.payload as Record<string, unknown>);
  const [[branch, payload] = []] = branches;
  if (branches.length !== 1 || branch?.slice(branch.lastIndexOf('.') + 1) !== event.type) {
    throw new Error(`event type ${event.type} does not match its payload ${branch ?? '(none)'}`);
  }
  return { ...event, payload } as E;
}

export const taskEventToWire = (event: TaskEvent): TaskEventWire => wrap(TaskEventNamespace, event);
export const taskEventFromWire = (wire: TaskEventWire): TaskEvent => unwrap(wire);
export const userEventToWire = (event: UserEvent): UserEventWire => wrap(UserEventNamespace, event);
export const userEventFromWire = (wire: UserEventWire): UserEvent => unwrap(wire);
