// An off-the-shelf API fuzzer (schemathesis, from PyPI) drives /openapi.json against the real
// gateway and the real task-view: whatever it sends (every operation, the document's examples,
// boundary values, random bodies, headers and methods, stateful sequences), no answer is a 5xx,
// and afterwards the pipeline still materializes writes: one hostile request must not stall a
// partition (issue: a fuzzer run used to leave every write answering 202).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../test/support/wait-for.js';
import { GatewayHarness } from '../../test/support/harness.js';

// FUZZ_CHECKS=all runs every check with the hooks of test/fuzz/hooks.py; FUZZ_SEED another seed.
const CHECKS = process.env.FUZZ_CHECKS ?? 'not_a_server_error';
const SEED = process.env.FUZZ_SEED ?? '20261201';
const ST = join(process.env.STACK_CACHE_DIR ?? join(import.meta.dirname, '..', '..', '.stack'), 'venv', 'bin', 'st');

describe('gateway: an API fuzzer finds no server error and stalls nothing (schemathesis, real stack)', function () {
  this.timeout(CHECKS === 'not_a_server_error' ? 240_000 : 600_000);
  const h = new GatewayHarness();

  before(async () => {
    assert.ok(existsSync(ST), `schemathesis is not installed at ${ST}: run make setup`);
    await h.setup();
    await h.startViewProcessors();
  });
  after(() => h.teardown());

  it('answers every generated request without a 5xx, then still answers a write with the materialized task', async () => {
    const token = await h.token('fuzzer');
    const args = [
      'run', `${h.url}/openapi.json`,
      '--checks', CHECKS,
      '--header', `Authorization: Bearer ${token}`,
      '--phases', 'examples,coverage,fuzzing,stateful',
      '--max-examples', '10',
      '--seed', SEED,
      '--workers', '2',
      '--request-timeout', '15',
    ];
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(ST, args, { env: CHECKS === 'not_a_server_error'
          ? { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' }
          : { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: 'hooks', PYTHONPATH: join(import.meta.dirname, '..', '..', 'test', 'fuzz') } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, output }));
    });
    // "N generated, …" and, with the hooks, "Filtered: N" (the documented refusals set aside).
    const summary = output.split('\n').filter((line) => /^\s*\d+ generated|^Filtered:|Server error/.test(line)).join('\n');
    if (process.env.FUZZ_OUTPUT) writeFileSync(process.env.FUZZ_OUTPUT, output);
    assert.equal(code, 0, `schemathesis found failures:\n${output.slice(-6000)}`);
    process.stdout.write(`      (${Math.round((Date.now() - started) / 1000)} s: ${summary.trim().split('\n').slice(-2).join(' / ')})\n`);

    // Nothing stalled: a write afterwards is materialized. Its read-your-writes wait may end
    // first (202) while task-view works through the fuzzer's backlog of writes; then the view
    // must still show the task soon, which a stalled partition never would.
    const after = await h.request<{ title: string; taskId?: string }>('POST', '/v1/tasks', { user: 'fuzzer', body: { title: 'after the fuzzer' } });
    assert.ok(after.status === 201 || after.status === 202, `a write after the fuzzer: ${after.status} ${after.text}`);
    if (after.status === 202) {
      const waited = Date.now();
      const view = await waitFor(
        async () => {
          const got = await h.request<{ title: string }>('GET', `/v1/tasks/${after.body.taskId}`, { user: 'fuzzer' });
          return got.status === 200 ? got.body : null;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'the write after the fuzzer in the view' },
      );
      process.stdout.write(`      (the write after the fuzzer: 202, in the view ${Date.now() - waited} ms later)\n`);
      assert.equal(view.title, 'after the fuzzer');
    } else {
      assert.equal(after.body.title, 'after the fuzzer');
    }
  });
});
