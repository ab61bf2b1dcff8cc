// Bad input never yields a 500 or a crash: each mistake gets its 4xx status and a stable error
// code in the JSON error body, and produces no event.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { SignJWT, UnsecuredJWT } from 'jose';
import { uniqueName } from '../../test/support/stack-env.js';
import { GatewayHarness, type Reply, type RequestOptions } from '../../test/support/harness.js';

interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}
type ErrorReply = Reply<ErrorBody>;

function assertError(res: ErrorReply, status: number, code: string) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(res.body.error.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok('details' in res.body.error);
}

describe('gateway: bad input is refused with a 4xx and a stable code', function () {
  this.timeout(90_000);
  const h = new GatewayHarness();
  const user = uniqueName('mallory');
  const owner = uniqueName('owner');
  let ownersTaskId = '';

  before(async () => {
    await h.setup();
    await h.startViewProcessors();
    // Another user's task, created through the API and materialized by the real task-view.
    const created = await h.request<{ id: string }>('POST', '/v1/tasks', { user: owner, body: { title: 'private', priority: 'low' } });
    assert.equal(created.status, 201, created.text);
    ownersTaskId = created.body.id;
  });
  after(() => h.teardown());

  const call = (method: string, path: string, options: RequestOptions = {}) => h.request<ErrorBody>(method, path, options);
  const post = (body: unknown, headers: Record<string, string> = {}) => call('POST', '/v1/tasks', { user, body, headers });

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    assertError(await call('POST', '/v1/tasks', { user, raw: '{"title": "x",' }), 400, 'MALFORMED_JSON');
    assertError(await call('POST', '/v1/tasks', { user, raw: '"just a string"' }), 400, 'MALFORMED_JSON');
  });

  it('a body that is not an object → 400 VALIDATION_FAILED', async () => {
    assertError(await post(['title']), 400, 'VALIDATION_FAILED');
    assertError(await call('POST', '/v1/tasks', { user }), 400, 'VALIDATION_FAILED');
  });

  it('wrong types → 400 VALIDATION_FAILED naming the field', async () => {
    const res = await post({ title: 42, priority: 'urgent', muted: 'yes', tags: 'home' });
    assertError(res, 400, 'VALIDATION_FAILED');
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path).sort();
    assert.deepEqual(paths, ['muted', 'priority', 'tags', 'title']);
  });

  it('unknown fields → 400 VALIDATION_FAILED listing them', async () => {
    const res = await post({ title: 'x', status: 'completed', userId: 'someone-else' });
    assertError(res, 400, 'VALIDATION_FAILED');
    assert.match(JSON.stringify(res.body.error.details), /"keys":\["status","userId"\]/);
  });

  it('empty or over-long title → 400', async () => {
    assertError(await post({ title: '' }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: '    ' }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x'.repeat(501) }), 400, 'VALIDATION_FAILED');
  });

  it('text the store or a device could not hold unchanged → 400 naming the rule (NUL, lone surrogate, control characters)', async () => {
    const textRefusal = async (body: unknown, path: string) => {
      const res = await post(body);
      assertError(res, 400, 'VALIDATION_FAILED');
      const [detail] = res.body.error.details as { path: string; code: string }[];
      assert.deepEqual([detail?.path, detail?.code], [path, 'invalid_text'], res.text);
    };
    await textRefusal({ title: 'a NUL \u0000 inside' }, 'title');
    await textRefusal({ title: 'half an emoji \ud83d' }, 'title');
    await textRefusal({ title: 'a bell \u0007' }, 'title');
    await textRefusal({ title: 'two\nlines' }, 'title');
    await textRefusal({ title: 'x', description: 'NUL \u0000' }, 'description');
    await textRefusal({ title: 'x', tags: ['ok', 'b\u0000d'] }, 'tags.1');
    // Lone surrogates arrive as JSON escapes: JSON.stringify above keeps them as such.
    const raw = await call('POST', '/v1/tasks', { user, raw: '{"title":"\\udc00 lone low surrogate"}' });
    assertError(raw, 400, 'VALIDATION_FAILED');
    assertError(await call('GET', `/v1/tasks?q=${encodeURIComponent('a\u0000b')}`, { user }), 400, 'VALIDATION_FAILED');
    assertError(await call('GET', `/v1/tasks?tag=${encodeURIComponent('\u0000')}`, { user }), 400, 'VALIDATION_FAILED');
  });

  it('bytes that are not UTF-8 → 400 MALFORMED_JSON, never a title with U+FFFD its author did not send', async () => {
    const invalid = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]); // Latin-1 é
    assertError(await call('POST', '/v1/tasks', { user, raw: invalid }), 400, 'MALFORMED_JSON');
    const overlong = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    assertError(await call('POST', '/v1/tasks', { user, raw: overlong }), 400, 'MALFORMED_JSON');
    assertError(await call('POST', '/v1/tasks', { user, raw: '{"title":"x"}', headers: { 'content-type': 'application/json; charset=latin1' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('lengths are counted in characters, not UTF-16 units: 500 emoji are a valid title, 501 are not', async () => {
    // Another user: this suite's `user` must produce no event (see the sentinel below).
    const ok = await call('POST', '/v1/tasks', { user: uniqueName('emoji'), body: { title: '😀'.repeat(500) }, headers: { prefer: 'respond-async' } });
    assert.equal(ok.status, 202, ok.text);
    assertError(await post({ title: '😀'.repeat(501) }), 400, 'VALIDATION_FAILED');
  });

  it('more than 50 tags, or a tag over 64 characters → 400', async () => {
    assertError(await post({ title: 'x', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x', tags: ['t'.repeat(65)] }), 400, 'VALIDATION_FAILED');
  });

  it('an invalid IANA time zone → 400', async () => {
    assertError(await post({ title: 'x', timeZone: 'Europe/Atlantis' }), 400, 'VALIDATION_FAILED');
    assertError(await call('PUT', '/v1/me/settings', { user, body: { timeZone: 'GMT+25' } }), 400, 'VALIDATION_FAILED');
  });

  it('an invalid RRULE → 400', async () => {
    assertError(await post({ title: 'x', recurrence: { rrule: 'FREQ=FORTNIGHTLY', mode: 'on_schedule' } }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x', recurrence: { rrule: 'DTSTART:20260101T000000Z;FREQ=DAILY', mode: 'on_schedule' } }), 400, 'VALIDATION_FAILED');
  });

  it('invalid dates and durations → 400', async () => {
    assertError(await post({ title: 'x', dueAt: '2026-02-30T09:00:00Z' }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x', dueAt: 'next tuesday' }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x', dueAt: 1767258000000 }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x', dueAt: '2026-03-01T09:00:00Z', reminders: [{ before: 'soon' }] }), 400, 'VALIDATION_FAILED');
    assertError(await post({ title: 'x', reminders: [{ at: '2026-13-01T09:00:00Z' }] }), 400, 'VALIDATION_FAILED');
    assertError(await call('PUT', '/v1/me/settings', { user, body: { quietHours: { start: '7pm', end: '07:00' } } }), 400, 'VALIDATION_FAILED');
  });

  it('a body over 64 KB → 413, with or without Content-Length', async () => {
    const big = JSON.stringify({ title: 'x', description: 'y'.repeat(70 * 1024) });
    assertError(await call('POST', '/v1/tasks', { user, raw: big }), 413, 'PAYLOAD_TOO_LARGE');
    // Chunked: the limit is enforced while reading, not only from the header.
    const res = await fetch(`${h.url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token(user)}`, 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('a non-JSON content type → 415', async () => {
    const form = await call('POST', '/v1/tasks', { user, raw: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assertError(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const text = await call('PATCH', `/v1/tasks/${ownersTaskId}`, { user, raw: '{"title":"x"}', headers: { 'content-type': 'text/plain' } });
    assertError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a missing, forged, expired or wrong-algorithm JWT → 401', async () => {
    const get = (headers: Record<string, string>) => call('GET', '/v1/me/settings', { headers });
    const missing = await get({});
    assertError(missing, 401, 'AUTH_REQUIRED');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assertError(await get({ authorization: 'Basic dXNlcjpwYXNz' }), 401, 'AUTH_REQUIRED');
    assertError(await get({ authorization: 'Bearer not-a-jwt' }), 401, 'TOKEN_INVALID');

    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setExpirationTime('1h').sign(new TextEncoder().encode('someone-elses-secret-0123456789'));
    assertError(await get({ authorization: `Bearer ${forged}` }), 401, 'TOKEN_INVALID');

    assertError(await get({ authorization: `Bearer ${await h.token(user, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}` }), 401, 'TOKEN_EXPIRED');

    const secret = new TextEncoder().encode(h.config.jwt.secret);
    const hs512 = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(user).setExpirationTime('1h').sign(secret);
    assertError(await get({ authorization: `Bearer ${hs512}` }), 401, 'TOKEN_INVALID');
    const unsigned = new UnsecuredJWT({}).setSubject(user).setExpirationTime('1h').encode();
    assertError(await get({ authorization: `Bearer ${unsigned}` }), 401, 'TOKEN_INVALID');

    const noSubject = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret);
    assertError(await get({ authorization: `Bearer ${noSubject}` }), 401, 'TOKEN_INVALID');
  });

  it("another user's task → 404 for every read and write, and no event", async () => {
    const path = `/v1/tasks/${ownersTaskId}`;
    assertError(await call('GET', path, { user }), 404, 'NOT_FOUND');
    assertError(await call('PATCH', path, { user, body: { title: 'mine now' } }), 404, 'NOT_FOUND');
    assertError(await call('POST', `${path}/complete`, { user }), 404, 'NOT_FOUND');
    assertError(await call('POST', `${path}/reopen`, { user }), 404, 'NOT_FOUND');
    assertError(await call('DELETE', path, { user }), 404, 'NOT_FOUND');
    assertError(await call('GET', `/v1/tasks/${randomUUID()}`, { user }), 404, 'NOT_FOUND');
    assertError(await call('GET', '/v1/tasks/..%2F..%2Fetc', { user }), 404, 'NOT_FOUND');
    // The owner does see it: the 404 above is about who asks, not about the task.
    assert.equal((await h.request('GET', path, { user: owner })).status, 200);

    // A sentinel write: it is this user's first and only event, so nothing above produced one.
    const sentinel = await h.request<{ eventId: string }>('POST', '/v1/tasks', { user, body: { title: 'sentinel' }, headers: { prefer: 'respond-async' } });
    assert.equal(sentinel.status, 202);
    const records = await h.records('task-events', (rs) => rs.some((r) => r.value?.includes(sentinel.body.eventId)));
    assert.deepEqual(
      records.filter((r) => r.key?.toString() === user).map((r) => r.value?.includes(sentinel.body.eventId)),
      [true],
    );
  });

  it('other mistakes: a bad If-Match, a bad Idempotency-Key, an unknown route or method', async () => {
    const path = `/v1/tasks/${ownersTaskId}`;
    assertError(await call('PATCH', path, { user: owner, body: { title: 'y' }, headers: { 'if-match': 'yesterday' } }), 400, 'INVALID_IF_MATCH');
    assertError(await call('POST', '/v1/tasks', { user, body: { title: 'x' }, headers: { 'idempotency-key': 'k'.repeat(300) } }), 400, 'INVALID_IDEMPOTENCY_KEY');
    // Sent but empty is not "no key": the client meant one and would get no deduplication.
    assertError(await call('POST', '/v1/tasks', { user, body: { title: 'x' }, headers: { 'idempotency-key': '' } }), 400, 'INVALID_IDEMPOTENCY_KEY');
    assertError(await call('GET', '/v1/nothing-here', { user }), 404, 'ROUTE_NOT_FOUND');
    const wrongMethod = await call('PUT', path, { user, body: {} });
    assertError(wrongMethod, 405, 'METHOD_NOT_ALLOWED');
    assert.match(wrongMethod.headers.get('allow') ?? '', /PATCH/);
    // A method the router has never heard of is still 405 with Allow, not 501.
    // (fetch refuses to send TRACE: node:http does.)
    const trace = await new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
      const req = request(`${h.url}/healthz`, { method: 'TRACE' }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(trace.status, 405);
    assert.deepEqual(trace.allow?.split(', ').sort(), ['GET', 'HEAD', 'OPTIONS']);
    assert.equal((JSON.parse(trace.body) as ErrorBody).error.code, 'METHOD_NOT_ALLOWED');
    const options = await call('OPTIONS', path, { user });
    assert.equal(options.status, 204);
    assert.match(options.headers.get('allow') ?? '', /GET.*PATCH|PATCH.*GET/);
  });
});
