// The events as the code handles them: an envelope plus a discriminated (type, payload) pair.
// On the wire, Avro carries the payload as a union branch named by its record; toWire/fromWire
// convert between the two shapes, so nothing else needs to know about union wrapping.
import type {
  NotificationEvent as NotificationEventWire,
  NotificationEventPayloads,
  RecurrenceEvent as RecurrenceEventWire,
  RecurrenceEventPayloads,
  ReminderEvent as ReminderEventWire,
  ReminderEventPayloads,
  TaskEvent as TaskEventWire,
  TaskEventPayloads,
  UserEvent as UserEventWire,
  UserEventPayloads,
} from '../contracts/avro/generated/avro-types.js';
import {
  NotificationEventNamespace,
  NotificationEventPayloadWrapped,
  RecurrenceEventNamespace,
  RecurrenceEventPayloadWrapped,
  ReminderEventNamespace,
  ReminderEventPayloadWrapped,
  TaskEventNamespace,
  TaskEventPayloadWrapped,
  UserEventNamespace,
  UserEventPayloadWrapped,
} from '../contracts/avro/generated/avro-types.js';

export type { TaskEventPayloads, UserEventPayloads, ReminderEventPayloads, RecurrenceEventPayloads, NotificationEventPayloads };
export type * from '../contracts/avro/generated/avro-types.js';

type Envelope<W> = Omit<W, 'type' | 'payload'>;
type Discriminated<W, P> = { [K in Extract<keyof P, string>]: Envelope<W> & { type: K; payload: P[K] } }[Extract<keyof P, string>];

export type TaskEventType = Extract<keyof TaskEventPayloads, string>;
export type UserEventType = Extract<keyof UserEventPayloads, string>;
export type TaskEvent = Discriminated<TaskEventWire, TaskEventPayloads>;
export type UserEvent = Discriminated<UserEventWire, UserEventPayloads>;
export type TaskEventOf<K extends TaskEventType> = Extract<TaskEvent, { type: K }>;
export type ReminderEvent = Discriminated<ReminderEventWire, ReminderEventPayloads>;
export type RecurrenceEvent = Discriminated<RecurrenceEventWire, RecurrenceEventPayloads>;
export type NotificationEvent = Discriminated<NotificationEventWire, NotificationEventPayloads>;

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
export const reminderEventToWire = (event: ReminderEvent): ReminderEventWire => wrap(ReminderEventNamespace, ReminderEventPayloadWrapped, event);
export const reminderEventFromWire = (wire: ReminderEventWire): ReminderEvent => unwrap(ReminderEventPayloadWrapped, wire);
export const recurrenceEventToWire = (event: RecurrenceEvent): RecurrenceEventWire => wrap(RecurrenceEventNamespace, RecurrenceEventPayloadWrapped, event);
export const recurrenceEventFromWire = (wire: RecurrenceEventWire): RecurrenceEvent => unwrap(RecurrenceEventPayloadWrapped, wire);
export const notificationEventToWire = (event: NotificationEvent): NotificationEventWire => wrap(NotificationEventNamespace, NotificationEventPayloadWrapped, event);
export const notificationEventFromWire = (wire: NotificationEventWire): NotificationEvent => unwrap(NotificationEventPayloadWrapped, wire);
