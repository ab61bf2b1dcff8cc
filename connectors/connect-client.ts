// Connector templates (connectors/*.json.tmpl, ${VAR} placeholders) and the few Kafka Connect
// REST calls that apply, inspect and remove them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConnectorSpec {
  name: string;
  config: Record<string, string>;
}

export const CONNECTORS_DIR = import.meta.dirname;

export function renderConnector(template: string, vars: Record<string, string>): ConnectorSpec {
  const text = readFileSync(join(CONNECTORS_DIR, template), 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${template} needs \${${name}}`);
    return value;
  });
  return JSON.parse(text) as ConnectorSpec;
}

export class ConnectClient {
  constructor(private readonly baseUrl: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${this.baseUrl}${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Creates or updates (PUT is idempotent). */
  async apply(spec: ConnectorSpec): Promise<void> {
    await this.call('PUT', `/connectors/${encodeURIComponent(spec.name)}/config`, spec.config);
  }

  async status(name: string): Promise<{ connector: { state: string }; tasks: { state: string; trace?: string }[] }> {
    return (await this.call('GET', `/connectors/${encodeURIComponent(name)}/status`)) as {
      connector: { state: string };
      tasks: { state: string; trace?: string }[];
    };
  }

  async remove(name: string): Promise<void> {
    await this.call('DELETE', `/connectors/${encodeURIComponent(name)}`);
  }

  async plugins(): Promise<{ class: string; type: string }[]> {
    return (await this.call('GET', '/connector-plugins')) as { class: string; type: string }[];
  }
}
