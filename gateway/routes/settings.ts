// The caller's settings. PUT changes the fields it names (the others keep their value) and
// produces one UserSettingsChanged carrying the whole result; GET reads the `settings` view
// that the settings-view processor folds from user-events, or the defaults before any change.
import type { UserEvent, UserSettings } from '../../domain/events.js';
import { pollUntil } from '../bounded-poll.js';
import { userIdOf, type GatewayContext } from '../http/state.js';
import type { RouteSpec } from '../route-table.js';
import { SettingsSchema } from '../../contracts/task-resource.js';
import { DEFAULT_SETTINGS, mergeSettings, parseBody, SettingsBody, type SettingsInput } from '../validation.js';
import type { SettingsReader } from '../views.js';
import { parsePrefer, type WritePath } from '../write-path.js';
import { AcceptedSchema, commandContext, ErrorSchema, IDEMPOTENCY_KEY, PREFER, sendAccepted, type Clock } from './common.js';

export interface SettingsRouteDeps {
  settings: SettingsReader;
  writes: WritePath;
  clock: Clock;
  rywTimeoutMs: number;
}

/**
 * Waits until the settings view holds `eventId`. user-events has no outcome topic like
 * task-views, and settings change rarely, so a short, backed-off poll of one document is the
 * simple honest choice here.
 */
async function settingsApplied(reader: SettingsReader, userId: string, eventId: string, timeoutMs: number): Promise<UserSettings | null> {
  return pollUntil(async () => {
    const stored = await reader.get(userId);
    return stored?.lastEventId === eventId ? stored.settings : null;
  }, timeoutMs);
}

export type SettingsResult = { kind: 'applied'; settings: UserSettings } | { kind: 'accepted' | 'queued'; eventId: string };

/**
 * Merges `input` into the caller's settings, produces one UserSettingsChanged and, unless the
 * client asked for respond-async, waits until the settings view holds it. PUT /v1/me/settings
 * and the chat both change settings through here.
 */
export async function changeSettings(
  { settings, writes, clock, rywTimeoutMs }: SettingsRouteDeps,
  ctx: GatewayContext,
  input: SettingsInput,
): Promise<SettingsResult> {
  const next = mergeSettings((await settings.get(userIdOf(ctx)))?.settings ?? DEFAULT_SETTINGS, input);
  const cmd = commandContext(ctx, clock);
  const event: UserEvent = {
    eventId: cmd.newId(),
    type: 'UserSettingsChanged',
    occurredAt: cmd.now,
    userId: cmd.userId,
    correlationId: cmd.correlationId,
    causationId: null,
    actor: `user:${cmd.userId}`,
    payload: { settings: next },
  };
  const prefer = parsePrefer(ctx.get('prefer'));
  if (prefer.async) ctx.set('Preference-Applied', 'respond-async');
  const published = await writes.submitUser(ctx, event);
  if (published === 'queued') return { kind: 'queued', eventId: event.eventId };
  if (prefer.async) return { kind: 'accepted', eventId: event.eventId };
  const applied = await settingsApplied(settings, cmd.userId, event.eventId, Math.min(rywTimeoutMs, prefer.waitMs ?? Infinity));
  return applied ? { kind: 'applied', settings: applied } : { kind: 'accepted', eventId: event.eventId };
}

export function settingsRoutes({ settings, writes, clock, rywTimeoutMs }: SettingsRouteDeps): RouteSpec[] {
  const current = async (ctx: GatewayContext): Promise<UserSettings> => (await settings.get(userIdOf(ctx)))?.settings ?? DEFAULT_SETTINGS;

  return [
    {
      method: 'get',
      path: '/v1/me/settings',
      operationId: 'getSettings',
      summary: "Read the caller's settings (defaults until the first change)",
      tag: 'settings',
      auth: true,
      responses: {
        200: { description: 'the settings', schema: SettingsSchema },
        401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
      },
      handler: async (ctx) => {
        ctx.body = await current(ctx);
      },
    },
    {
      method: 'put',
      path: '/v1/me/settings',
      operationId: 'putSettings',
      summary: "Change the caller's settings",
      description: 'Fields left out keep their current value; quietHours: null removes quiet hours.',
      tag: 'settings',
      auth: true,
      write: true,
      body: SettingsBody,
      headers: [PREFER, IDEMPOTENCY_KEY],
      responses: {
        200: { description: 'the settings after the change, as the view holds them', schema: SettingsSchema },
        202: { description: 'accepted, not yet in the view; or queued while the broker is unreachable', schema: AcceptedSchema },
        400: { description: 'invalid input', schema: ErrorSchema },
        401: { description: 'missing, invalid or expired token', schema: ErrorSchema },
        413: { description: 'body over 64 KB', schema: ErrorSchema },
        415: { description: 'body not application/json', schema: ErrorSchema },
      },
      handler: async (ctx) => {
        const result = await changeSettings({ settings, writes, clock, rywTimeoutMs }, ctx, parseBody(SettingsBody, ctx.request.body));
        if (result.kind === 'applied') ctx.body = result.settings;
        else sendAccepted(ctx, result.kind, { eventId: result.eventId });
      },
    },
  ];
}
