// The image builds what `npm run build` compiles: every source folder of tsconfig.build.json
// (and the files the build and the services read) must pass .dockerignore, or the image's build
// fails (or, worse, ships without a folder) where no Docker engine here could notice.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

describe('Dockerfile and .dockerignore', function () {
  const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/\/$/, ''));

  it('lets in every folder the production build compiles, and what the build reads', function () {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    const needed = [...build.include.filter((dir) => existsSync(join(ROOT, dir))), 'web', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
    for (const path of needed) assert.ok(allowed.includes(path), `.dockerignore must let in ${path}`);
  });

  it('runs as a non-root user and keeps the dev dependencies in the build stage', function () {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^USER 10001:10001$/m);
    assert.match(dockerfile, /npm prune --omit=dev/);
    assert.match(dockerfile, /^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS runtime$/m);
  });
});
