import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GENERATED_FILE, generateTypes } from './codegen.js';

describe('schemas: generated TypeScript types', () => {
  it('match the .avsc files (run `npm run codegen` after changing a schema)', () => {
    assert.equal(readFileSync(GENERATED_FILE, 'utf8'), generateTypes());
  });
});
