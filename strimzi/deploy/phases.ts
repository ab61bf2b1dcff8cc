// Splits an overlay's `kustomize build` into the phases strimzi/deploy.sh applies in order,
// each waited for before the next: what a later phase needs is Ready when it starts.
//
//   node --import tsx strimzi/deploy/phases.ts <built.yaml> <out dir> [--skip-kind <Kind>]...
// writes <out>/<n>-<phase>.yaml; --skip-kind leaves out a kind the cluster has no CRD for.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export const PHASES = ['platform', 'kafka', 'kafka-resources', 'registry', 'schemas', 'connect', 'connectors', 'app'] as const;
export type Phase = (typeof PHASES)[number];

interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
}

export function phaseOf(doc: Doc): Phase {
  const component = doc.metadata.labels?.['app.kubernetes.io/component'];
  switch (doc.kind) {
    case 'Namespace':
    case 'ConfigMap':
    case 'Role':
    case 'RoleBinding':
    case 'NetworkPolicy':
      return 'platform';
    case 'Kafka':
    case 'KafkaNodePool':
      return 'kafka';
    case 'KafkaTopic':
    case 'KafkaUser':
      return 'kafka-resources';
    case 'KafkaConnect':
      return 'connect';
    case 'KafkaConnector':
      return 'connectors';
    case 'Job':
      return 'schemas';
    default:
      // The registry and (locally) the database come before the schema Job and the app.
      return component === 'registry' || component === 'database' || ['registry', 'mongodb'].includes(doc.metadata.name) ? 'registry' : 'app';
  }
}

export function splitPhases(text: string, skipKinds: readonly string[] = []): Map<Phase, Doc[]> {
  const phases = new Map<Phase, Doc[]>(PHASES.map((p) => [p, []]));
  for (const parsed of parseAllDocuments(text)) {
    const doc = parsed.toJS() as Doc | null;
    if (doc && !skipKinds.includes(doc.kind)) phases.get(phaseOf(doc))!.push(doc);
  }
  return phases;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [built, outDir, ...rest] = process.argv.slice(2);
  const skipKinds = rest.flatMap((arg, i) => (rest[i - 1] === '--skip-kind' ? [arg] : []));
  if (!built || !outDir) {
    process.stderr.write('usage: phases.ts <built.yaml> <out dir>\n');
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  const phases = splitPhases(readFileSync(built, 'utf8'), skipKinds);
  PHASES.forEach((phase, i) => {
    const docs = phases.get(phase)!;
    writeFileSync(join(outDir, `${i + 1}-${phase}.yaml`), docs.map((d) => `---\n${stringify(d)}`).join(''));
  });
}
