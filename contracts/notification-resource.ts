// One notification as GET /v1/notifications lists it and POST /v1/notifications/:id/read answers.
import { z } from 'zod';

export const NotificationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string(),
    taskIds: z.array(z.string()),
    channels: z.array(z.string()),
    dueAt: z.string().meta({ description: 'when the reminders fell due' }),
    deliverAt: z.string().meta({ description: 'dueAt, or the end of quiet hours' }),
    createdAt: z.string(),
    deliveredAt: z.string().nullable().meta({ description: 'when a device first acknowledged it' }),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });
export type NotificationResource = z.output<typeof NotificationSchema>;
