// What every service reads from the environment the same way (the gateway and the bridge accept
// the same tokens and reach the same stack), and how a bad value fails the boot: with the
// variable's name, before anything connects.
import { z } from 'zod';

/**
 * Signs and verifies dev tokens when no JWT_SECRET is set. LOCAL USE ONLY: anyone can read it
 * here, so services refuse to start with it when NODE_ENV=production.
 */
export const DEV_JWT_SECRET = 'todo-stream-local-dev-secret-not-for-production';

export const csv = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

export const optionalText = z
  .string()
  .optional()
  .transform((s) => (s?.trim() ? s.trim() : undefined));

/** The variables shared by the services; each extends it with its own. */
export const ServiceEnv = z.object({
  NODE_ENV: z.string().default('development'),
  KAFKA_BROKERS: csv.default(['localhost:9092']),
  SCHEMA_REGISTRY_URL: z.url().default('http://localhost:8081/apis/ccompat/v7'),
  MONGO_URL: z.string().startsWith('mongodb').default('mongodb://localhost:27017/todo'),
  TOPIC_PREFIX: z.string().default(''),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').default(DEV_JWT_SECRET),
  JWT_JWKS_URL: optionalText.pipe(z.url().optional()),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
type SharedEnv = z.output<typeof ServiceEnv>;

/** For a superRefine: the published dev secret never verifies tokens in production. */
export function refuseDevSecretInProduction(env: SharedEnv, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET && !env.JWT_JWKS_URL) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET or JWT_JWKS_URL in production' });
  }
}

export interface JwtConfig {
  secret: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export function jwtConfigOf(env: SharedEnv): JwtConfig {
  return {
    secret: env.JWT_SECRET,
    ...(env.JWT_JWKS_URL ? { jwksUrl: env.JWT_JWKS_URL } : {}),
    ...(env.JWT_ISSUER ? { issuer: env.JWT_ISSUER } : {}),
    ...(env.JWT_AUDIENCE ? { audience: env.JWT_AUDIENCE } : {}),
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses `env` or throws a ConfigError naming every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, service: string): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid ${service} configuration:\n  ${lines.join('\n  ')}`);
}
