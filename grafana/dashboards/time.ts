// Time: the reminder pipeline (scheduler → notifier → inbox → devices).
import { orZero, quantile, rate, SEL, type DashboardSpec } from './lib.js';

export const time: DashboardSpec = {
  uid: 'todo-time',
  title: 'todo-stream / Time',
  description: 'Timers pending, reminders due per second, lateness, missed reminders, notifications by channel.',
  tags: ['time', 'reminders'],
  sections: [
    {
      row: 'Scheduler',
      panels: [
        {
          title: 'Timers pending',
          description: 'Timers waiting to fire, summed over partitions. Grows with reminders set; a sudden drop to 0 after a restart means the store was not restored.',
          unit: 'short',
          queries: [{ expr: `sum(scheduler_timers_pending{${SEL}})`, legend: 'pending' }],
        },
        {
          title: 'Reminders fired by outcome',
          description: 'due: fired on time or late within grace; missed: past the grace period (the scheduler was down longer than REMINDER_GRACE_MS).',
          unit: 'ops',
          queries: [{ expr: rate('scheduler_reminders_fired_total', 'outcome'), legend: '{{outcome}}' }],
        },
        {
          title: 'Punctuation lag',
          description: 'How much later than its interval the scheduler\'s last tick ran, worst partition. Seconds: the event loop or the broker is starved.',
          unit: 's',
          queries: [{ expr: `max(scheduler_punctuation_lag_seconds{${SEL}})`, legend: 'worst partition' }],
        },
      ],
    },
    {
      row: 'Lateness',
      panels: [
        {
          title: 'Reminder lateness p50 / p99',
          description: 'Timer instant → ReminderDue. p99 over 1 s for 5 min fires ReminderLatenessHigh.',
          unit: 's',
          width: 12,
          red: 1,
          queries: [
            { expr: quantile(0.5, 'scheduler_reminder_lateness_seconds', ''), legend: 'p50' },
            { expr: quantile(0.99, 'scheduler_reminder_lateness_seconds', ''), legend: 'p99' },
          ],
        },
        {
          title: 'Delivery lateness p99 by channel',
          description: 'Reminder due (or end of quiet hours) → notification emitted by the notifier, which batches one second of reminders on purpose.',
          unit: 's',
          width: 12,
          queries: [{ expr: quantile(0.99, 'notifier_delivery_lateness_seconds', 'channel'), legend: '{{channel}}' }],
        },
      ],
    },
    {
      row: 'Notifications',
      panels: [
        {
          title: 'Notifications by channel',
          description: 'Notifications emitted: in_app always, email and push when the user enabled them (simulated deliveries).',
          unit: 'ops',
          width: 12,
          queries: [{ expr: rate('notifier_notifications_total', 'channel'), legend: '{{channel}}' }],
        },
        {
          title: 'Missed reminders',
          description: 'Reminders reported missed in the time range. Any: the scheduler was down past the grace period; users got a ReminderMissed instead.',
          unit: 'short',
          kind: 'stat',
          width: 12,
          red: 1,
          queries: [{ expr: orZero(`sum(increase(scheduler_reminders_fired_total{${SEL}, outcome="missed"}[$__range]))`, `sum(scheduler_reminders_fired_total{${SEL}})`), legend: 'missed' }],
        },
      ],
    },
  ],
};
