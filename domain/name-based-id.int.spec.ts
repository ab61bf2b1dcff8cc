import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { nameBasedId, TODO_STREAM_NAMESPACE } from './name-based-id.js';

describe('domain: name-based ids', () => {
  it('given parts, then the id is the RFC 9562 UUID v5 of them joined by "/" (checked against Python uuid.uuid5)', () => {
    const script = `import uuid, sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), sys.argv[2]))`;
    const run = spawnSync('python3', ['-c', script, TODO_STREAM_NAMESPACE, 'occurrence-task/series-1/1772460000000'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(nameBasedId('occurrence-task', 'series-1', 1772460000000), run.stdout.trim());
  });

  it('given different parts, then the ids differ', () => {
    assert.notEqual(nameBasedId('a', 1), nameBasedId('a', 2));
  });
});
