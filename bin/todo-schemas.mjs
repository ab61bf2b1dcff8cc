#!/usr/bin/env node
// The schema CLI as one binary (`npx todo-schemas check`): TypeScript runs through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../contracts/avro/cli.ts');
