// CustomResourceDefinitions -> the JSON schemas kubeconform validates custom resources with, one
// file per kind and version at <out>/<group>/<kind>_<version>.json (kubeconform's
// `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`).
//
//   node --import tsx strimzi/check/crd-to-jsonschema.ts <out dir> <crd.yaml>...
//
// What the API server does that plain JSON schema does not, made explicit:
//  - strict: an object with declared properties refuses unknown ones (the API server prunes
//    them silently, which hides a misspelled field), unless it preserves unknown fields;
//  - `oneOf` branches stay open: Strimzi writes them as `{ properties: { x: {} }, required: [x] }`
//    to say "one of these fields", and closing them would reject every valid resource;
//  - `x-kubernetes-int-or-string`, `nullable` become JSON schema types.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

type Schema = { [key: string]: unknown };

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toJsonSchema(node: Schema, closeObjects = true): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, isSchema(s) ? toJsonSchema(s) : s]));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isSchema(value)) {
      out[key] = toJsonSchema(value);
    } else if ((key === 'oneOf' || key === 'anyOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((s: unknown) => (isSchema(s) ? toJsonSchema(s, false) : s));
    } else {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preserves = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (closeObjects && isSchema(out.properties) && out.additionalProperties === undefined && !preserves) {
    out.additionalProperties = false;
  }
  return out;
}

interface Crd {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: Schema } }[] };
}

export function crdSchemas(crd: Crd): { path: string; schema: Schema }[] {
  return crd.spec.versions.flatMap((version) => {
    const root = version.schema?.openAPIV3Schema;
    if (!root) return [];
    const schema = toJsonSchema({ type: 'object', ...root });
    const properties = schema.properties as Schema;
    // apiVersion and kind are the resource's identity: pin them.
    properties.apiVersion = { type: 'string', enum: [`${crd.spec.group}/${version.name}`] };
    properties.kind = { type: 'string', enum: [crd.spec.names.kind] };
    return [{ path: join(crd.spec.group, `${crd.spec.names.kind.toLowerCase()}_${version.name}.json`), schema }];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outDir, ...files] = process.argv.slice(2);
  if (!outDir || files.length === 0) {
    process.stderr.write('usage: crd-to-jsonschema.ts <out dir> <crd.yaml>...\n');
    process.exit(2);
  }
  let count = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as Crd | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const { path, schema } of crdSchemas(crd)) {
        mkdirSync(join(outDir, crd.spec.group), { recursive: true });
        writeFileSync(join(outDir, path), `${JSON.stringify(schema, null, 1)}\n`);
        count++;
      }
    }
  }
  process.stdout.write(`${count} schemas in ${outDir}\n`);
}
