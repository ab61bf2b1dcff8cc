// The events as the code handles them: an envelope plus a discriminated (type, payload) pair.
// On the wire, Avro carries the payload as a union branch named by its record; toWire/fromWire
// convert between the two shapes, so nothing else needs to know about union wrapping.
import type {
  TaskEvent as TaskEventWire,
  TaskEventPayloads,
  UserEvent as UserEventWire,
  UserEventPayloads,
} from '../schemas/generated/avro-types.js';
import {
  TaskEventNamespace,
  TaskEventPayloadWrapped,
  UserEventNamespace,
  UserEventPayloadWrapped,
} from '../schemas/generated/avro-types.js';

export type { TaskEventPayloads, UserEventPayloads };
export type * from '../schemas/generated/avro-types.js';

type Envelope<W> = Omit<W, 'type' | 'payload'>;
type Discriminated<W, P> = { [K in Extract<keyof P, string>]: Envelope<W> & { type: K; payload: P[K] } }[Extract<keyof P, string>];

export type TaskEventType = Extract<keyof TaskEventPayloads, string>;
export type UserEventType = Extract<keyof UserEventPayloads, string>;
export type TaskEvent = Discriminated<TaskEventWire, TaskEventPayloads>;
export type UserEvent = Discriminated<UserEventWire, UserEventPayloads>;
export type TaskEventOf<K extends TaskEventType> = Extract<TaskEvent, { type: K }>;

function wrap<W>(namespace: string, wrapped: boolean, event: { type: string; payload: unknown }): W {
  if (!wrapped) return { ...event } as W;
  return { ...event, payload: { [`${namespace}.${event.type}`]: event.payload } } as W;
}

function unwrap<E>(wrapped: boolean, event: { type: string; payload: unknown }): E {
  if (!wrapped) return { ...event } as E;
  const branches = Object.entries(event.payload as Record<string, unknown>);
  const [[branch, payload] = []] = branches;
  if (branches.length !== 1 || branch?.slice(branch.lastIndexOf('.') + 1) !== event.type) {
    throw new Error(`event type ${event.type} does not match its payload ${branch ?? '(none)'}`);
  }
  return { ...event, payload } as E;
}

export const taskEventToWire = (event: TaskEvent): TaskEventWire => wrap(TaskEventNamespace, TaskEventPayloadWrapped, event);
export const taskEventFromWire = (wire: TaskEventWire): TaskEvent => unwrap(TaskEventPayloadWrapped, wire);
export const userEventToWire = (event: UserEvent): UserEventWire => wrap(UserEventNamespace, UserEventPayloadWrapped, event);
export const userEventFromWire = (wire: UserEventWire): UserEvent => unwrap(UserEventPayloadWrapped, wire);
