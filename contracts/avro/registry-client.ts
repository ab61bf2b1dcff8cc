// The few Confluent Schema Registry REST calls the schema CLI needs that the serde client does not
// offer (compatibility tests against all versions, subject config, version listing). Works with
// Confluent, Redpanda, Karapace and Apicurio's ccompat API.
import type { Compatibility } from './catalog.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

export class RegistryClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE } };
    if (body !== undefined) init.body = JSON.stringify(body);
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, init);
    } catch (err) {
      throw new RegistryError(0, `schema registry at ${this.baseUrl} is unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the raw body
      }
      throw new RegistryError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async subjects(): Promise<string[]> {
    return this.call<string[]>('GET', '/subjects');
  }

  /** Version numbers of a subject, or [] when the subject does not exist. */
  async versions(subject: string): Promise<number[]> {
    try {
      return await this.call<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    } catch (err) {
      if (err instanceof RegistryError && err.status === 404) return [];
      throw err;
    }
  }

  async version(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    return this.call<SubjectVersion>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** The subject's own level, else the global default. */
  async compatibility(subject: string): Promise<Compatibility> {
    try {
      const own = await this.call<{ compatibilityLevel: Compatibility }>('GET', `/config/${encodeURIComponent(subject)}`);
      return own.compatibilityLevel;
    } catch (err) {
      if (!(err instanceof RegistryError && err.status === 404)) throw err;
      return (await this.call<{ compatibilityLevel: Compatibility }>('GET', '/config')).compatibilityLevel;
    }
  }

  async setCompatibility(subject: string, compatibility: Compatibility): Promise<void> {
    await this.call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility });
  }

  /**
   * Tests a schema against the versions the subject's level covers. Asking against all versions
   * (not /versions/latest) is what makes a *_TRANSITIVE level transitive on every registry.
   */
  async testCompatibility(subject: string, schema: string): Promise<{ compatible: boolean; messages: string[] }> {
    const res = await this.call<{ is_compatible: boolean; messages?: string[] }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions?verbose=true`,
      { schema },
    );
    return { compatible: res.is_compatible, messages: res.messages ?? [] };
  }

  async register(subject: string, schema: string): Promise<number> {
    const res = await this.call<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
    return res.id;
  }
}
