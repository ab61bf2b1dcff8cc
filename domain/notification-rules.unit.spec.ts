import assert from 'node:assert/strict';
import { batchReminders, channelsFor, clockTimeMs, deliveryTime, suppressionReason, type DueReminder } from './notification-rules.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const night = { start: '22:00', end: '07:00' };

describe('domain: notification rules', () => {
  describe('channels', () => {
    it('given any settings, then in-app is always on and email and push only when enabled', () => {
      assert.deepEqual(channelsFor(null), ['in_app']);
      assert.deepEqual(channelsFor({ email: false, push: false }), ['in_app']);
      assert.deepEqual(channelsFor({ email: true, push: false }), ['in_app', 'email']);
      assert.deepEqual(channelsFor({ email: true, push: true }), ['in_app', 'email', 'push']);
    });
  });

  describe('suppression', () => {
    it('given the task is unknown, completed, deleted or muted, then the reminder is suppressed with that reason', () => {
      assert.equal(suppressionReason(null), 'task_unknown');
      assert.equal(suppressionReason({ status: 'completed', muted: false }), 'task_completed');
      assert.equal(suppressionReason({ status: 'deleted', muted: false }), 'task_deleted');
      assert.equal(suppressionReason({ status: 'pending', muted: true }), 'task_muted');
      assert.equal(suppressionReason({ status: 'pending', muted: false }), null);
    });
  });

  describe('quiet hours', () => {
    it('reads HH:mm and refuses anything else', () => {
      assert.equal(clockTimeMs('07:30'), 27_000_000);
      assert.equal(clockTimeMs('24:00'), null);
      assert.equal(clockTimeMs('7:30'), null);
    });

    it('given no quiet hours or a time outside them, then the notification goes at once', () => {
      assert.equal(deliveryTime(t('2026-05-01T20:00:00Z'), null, NY), t('2026-05-01T20:00:00Z'));
      assert.equal(deliveryTime(t('2026-05-01T20:00:00Z'), night, NY), t('2026-05-01T20:00:00Z')); // 16:00 EDT
    });

    it('given a window within a day, then a time inside it waits until its end', () => {
      assert.equal(iso(deliveryTime(t('2026-05-01T10:30:00Z'), { start: '12:00', end: '14:00' }, BERLIN)), '2026-05-01T12:00:00Z'); // 12:30 -> 14:00 CEST
    });

    it('given a window spanning midnight, then the evening part waits until the next morning and the early part until the same morning', () => {
      assert.equal(iso(deliveryTime(t('2026-05-02T03:00:00Z'), night, NY)), '2026-05-02T11:00:00Z'); // 23:00 -> 07:00 EDT
      assert.equal(iso(deliveryTime(t('2026-05-02T07:00:00Z'), night, NY)), '2026-05-02T11:00:00Z'); // 03:00 -> 07:00 EDT
    });

    it('given the window bounds, then its start is inside and its end is not', () => {
      assert.equal(iso(deliveryTime(t('2026-05-02T02:00:00Z'), night, NY)), '2026-05-02T11:00:00Z'); // 22:00 sharp
      assert.equal(iso(deliveryTime(t('2026-05-02T11:00:00Z'), night, NY)), '2026-05-02T11:00:00Z'); // 07:00 sharp
    });

    it('given the night clocks go forward (New York) or back (Berlin), then the window still ends at 07:00 local', () => {
      assert.equal(iso(deliveryTime(t('2026-03-08T04:00:00Z'), night, NY)), '2026-03-08T11:00:00Z'); // 23:00 EST -> 07:00 EDT, 7 hours later
      assert.equal(iso(deliveryTime(t('2026-10-24T21:00:00Z'), night, BERLIN)), '2026-10-25T06:00:00Z'); // 23:00 CEST -> 07:00 CET, 9 hours later
    });

    it('given a window ending at a time the clock skips, then it ends when the clock jumps past it', () => {
      // 00:00-02:30 on spring-forward night: at 01:59:59 EST the clock jumps to 03:00 EDT.
      assert.equal(iso(deliveryTime(t('2026-03-08T06:00:00Z'), { start: '00:00', end: '02:30' }, NY)), '2026-03-08T07:00:00Z');
    });

    it('given a window ending at a time the clock shows twice, then the first pass ends it, or the second for a time after the first', () => {
      const window = { start: '00:00', end: '01:30' };
      assert.equal(iso(deliveryTime(t('2026-11-01T05:15:00Z'), window, NY)), '2026-11-01T05:30:00Z'); // 01:15 EDT -> 01:30 EDT
      assert.equal(iso(deliveryTime(t('2026-11-01T06:15:00Z'), window, NY)), '2026-11-01T06:30:00Z'); // 01:15 EST -> 01:30 EST
    });

    it('given an empty or malformed window, then nothing is deferred', () => {
      assert.equal(deliveryTime(t('2026-05-02T03:00:00Z'), { start: '22:00', end: '22:00' }, NY), t('2026-05-02T03:00:00Z'));
      assert.equal(deliveryTime(t('2026-05-02T03:00:00Z'), { start: '10pm', end: '07:00' }, NY), t('2026-05-02T03:00:00Z'));
    });
  });

  describe('batching', () => {
    const due = (userId: string, title: string, deliverAt: number): DueReminder => ({ userId, taskId: `task-${title}`, reminderKey: `task-${title}:before=PT5M:0`, title, deliverAt });
    const second = t('2026-05-01T09:00:00Z');

    it('given one reminder, then the notification reads "Reminder: <title>"', () => {
      const [notification, ...rest] = batchReminders([due('u1', 'Pay rent', second + 250)]);
      assert.deepEqual(rest, []);
      assert.equal(notification?.title, 'Reminder: Pay rent');
      assert.equal(notification?.body, 'Pay rent');
      assert.equal(notification?.deliverAt, second);
    });

    it('given reminders in the same second for one user, then they make one notification; other users and seconds get their own', () => {
      const batches = batchReminders([
        due('u1', 'b', second + 900),
        due('u2', 'x', second + 100),
        due('u1', 'a', second),
        due('u1', 'later', second + 1000),
        due('u1', 'c', second + 999),
      ]);
      assert.deepEqual(
        batches.map((b) => [b.userId, iso(b.deliverAt), b.title]),
        [
          ['u1', '2026-05-01T09:00:00Z', '3 reminders: a, b, c'],
          ['u2', '2026-05-01T09:00:00Z', 'Reminder: x'],
          ['u1', '2026-05-01T09:00:01Z', 'Reminder: later'],
        ],
      );
      assert.equal(batches[0]?.body, 'a\nb\nc');
      assert.deepEqual(batches[0]?.reminders.map((r) => r.taskId), ['task-a', 'task-b', 'task-c']);
    });

    it('given the same reminders in another order, then the batches and their ids are the same', () => {
      const input = ['a', 'b', 'c'].map((title) => due('u1', title, second));
      assert.deepEqual(batchReminders([...input].reverse()), batchReminders(input));
      assert.notEqual(batchReminders(input.slice(0, 2))[0]?.notificationId, batchReminders(input)[0]?.notificationId);
    });

    it('given many reminders at once, then the headline names five and counts the rest, the body lists all', () => {
      const [notification] = batchReminders(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((title) => due('u1', title, second)));
      assert.equal(notification?.title, '7 reminders: a, b, c, d, e and 2 more');
      assert.equal(notification?.body.split('\n').length, 7);
    });
  });
});
