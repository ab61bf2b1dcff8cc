// A readable, field-level difference between two versions of a composed Avro schema: what a
// reviewer needs to see before registering an evolution. Pure: no I/O.

type Json = unknown;
interface Named {
  kind: string;
  fields?: Map<string, string>;
  symbols?: string[];
}

function flatten(schema: Json, namespace = ''): Map<string, Named> {
  const named = new Map<string, Named>();
  const ref = (node: Json, ns: string): string => {
    if (typeof node === 'string') return node.includes('.') || !ns || isPrimitive(node) ? node : `${ns}.${node}`;
    if (Array.isArray(node)) return `[${node.map((n) => ref(n, ns)).join(', ')}]`;
    if (node && typeof node === 'object') {
      const obj = node as Record<string, Json>;
      const type = obj.type;
      if (type === 'record' || type === 'enum' || type === 'fixed') {
        const itsNs = typeof obj.namespace === 'string' ? obj.namespace : ns;
        const name = String(obj.name);
        const full = name.includes('.') ? name : itsNs ? `${itsNs}.${name}` : name;
        if (type === 'record') {
          const fields = new Map<string, string>();
          named.set(full, { kind: 'record', fields });
          for (const f of obj.fields as Record<string, Json>[]) {
            const dflt = 'default' in f ? ` = ${JSON.stringify(f.default)}` : '';
            fields.set(String(f.name), `${ref(f.type, itsNs)}${dflt}`);
          }
        } else {
          named.set(full, { kind: String(type), symbols: (obj.symbols as string[] | undefined) ?? [] });
        }
        return full;
      }
      if (type === 'array') return `array<${ref(obj.items, ns)}>`;
      if (type === 'map') return `map<${ref(obj.values, ns)}>`;
      const logical = typeof obj.logicalType === 'string' ? `(${obj.logicalType})` : '';
      return `${ref(type, ns)}${logical}`;
    }
    return String(node);
  };
  ref(schema, namespace);
  return named;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const isPrimitive = (name: string): boolean => PRIMITIVES.has(name);

/** Lines such as `+ todo.task.TaskCreated.source: [null, string] = null`; empty when equal. */
export function diffSchemas(before: Json, after: Json): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const lines: string[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const old = a.get(name);
    const now = b.get(name);
    if (!old) {
      lines.push(`+ type ${name}`);
      continue;
    }
    if (!now) {
      lines.push(`- type ${name}`);
      continue;
    }
    if (old.fields && now.fields) {
      for (const field of new Set([...old.fields.keys(), ...now.fields.keys()])) {
        const was = old.fields.get(field);
        const is = now.fields.get(field);
        if (was === undefined) lines.push(`+ ${name}.${field}: ${is}`);
        else if (is === undefined) lines.push(`- ${name}.${field}: ${was}`);
        else if (was !== is) lines.push(`~ ${name}.${field}: ${was} -> ${is}`);
      }
    }
    if (old.symbols && now.symbols && old.symbols.join() !== now.symbols.join()) {
      lines.push(`~ ${name} symbols: ${old.symbols.join(' ')} -> ${now.symbols.join(' ')}`);
    }
  }
  return lines;
}
