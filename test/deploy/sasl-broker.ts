// A throw-away Kafka broker with SASL/SCRAM-SHA-512 and the standard authorizer (KRaft,
// single node, the stack's own Kafka jars), on ports of its own, with every user of the access
// table and the table's ACLs: what Strimzi's User Operator sets up in the cluster, locally.
// Anything not granted is refused (allow.everyone.if.no.acl.found=false).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { aclRules, type ServiceAccess, type TopicSpec } from '../../platform/kafka-access.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');
// The stack's Kafka jars, where stack/lib.sh puts them (STACK_CACHE_DIR, e.g. a second local stack's).
const KAFKA_LIB = process.env.KAFKA_LIB ?? join(process.env.STACK_CACHE_DIR ?? join(ROOT, '.stack'), 'dist', 'kafka', 'lib');
const LOG4J = join(ROOT, 'stack', 'config', 'kafka', 'tools-log4j2.properties');

export interface SaslBroker {
  brokers: string;
  /** The SCRAM password of each user (service name). */
  passwords: Map<string, string>;
  /** The environment a service needs to connect as `user` (platform/kafka-security.ts). */
  envFor(user: string): Record<string, string>;
  stop(): Promise<void>;
  output: string[];
}

// kafkajs is CommonJS: its named exports are not visible to every ESM loader.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;

const OPERATION = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
} as const;
const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP, transactionalId: AclResourceTypes.TRANSACTIONAL_ID } as const;

function java(args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.env.KAFKA_JAVA ?? 'java', [`-Dlog4j2.configurationFile=${LOG4J}`, '-cp', `${KAFKA_LIB}/*`, ...args], { encoding: 'utf8' });
}

export async function startSaslBroker(options: { port: number; controllerPort: number; dataDir: string; services: ServiceAccess[]; topics: TopicSpec[] }): Promise<SaslBroker> {
  const { port, controllerPort, dataDir } = options;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const secret = () => randomBytes(18).toString('base64url');
  const passwords = new Map([['admin', secret()], ...options.services.map((s) => [s.name, secret()] as [string, string])]);
  const adminPassword = passwords.get('admin')!;
  const config = join(dataDir, 'server.properties');
  writeFileSync(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@localhost:${controllerPort}`,
      'controller.listener.names=CONTROLLER',
      `listeners=SASL_PLAINTEXT://localhost:${port},CONTROLLER://localhost:${controllerPort}`,
      `advertised.listeners=SASL_PLAINTEXT://localhost:${port}`,
      'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=SASL_PLAINTEXT',
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${adminPassword}";`,
      // Strimzi's `authorization: simple` on KRaft: the standard authorizer, deny by default.
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found=false',
      // The broker's own requests to the (plaintext, local-only) controller listener come as ANONYMOUS.
      'super.users=User:admin;User:ANONYMOUS',
      `log.dirs=${join(dataDir, 'logs')}`,
      // A fresh broker creates its internal topics on first use: few partitions make that quick.
      'offsets.topic.num.partitions=3',
      'transaction.state.log.num.partitions=3',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'min.insync.replicas=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
    ].join('\n'),
  );
  // SCRAM credentials are bootstrapped into the metadata log when the storage is formatted.
  const scram = [...passwords].flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
  const format = java(['kafka.tools.StorageTool', 'format', '--config', config, '--cluster-id', randomBytes(16).toString('base64url'), ...scram]);
  if (format.status !== 0) throw new Error(`formatting the SASL broker failed: ${String(format.stderr)}${String(format.stdout)}`);

  const child: ChildProcess = spawn(process.env.KAFKA_JAVA ?? 'java', ['-Xmx512m', `-Dlog4j2.configurationFile=${LOG4J}`, '-cp', `${KAFKA_LIB}/*`, 'kafka.Kafka', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 60));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const kafka = new Kafka({
      brokers: [`localhost:${port}`],
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: adminPassword },
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    });
    const admin = kafka.admin();
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the SASL broker exited:\n${output.join('\n')}`);
        await admin.connect();
        return (await admin.describeCluster()).brokers.length > 0;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `the SASL broker on ${port}` },
    );
    await admin.createAcls({
      acl: options.services.flatMap((service) =>
        aclRules(service).flatMap((rule) =>
          rule.operations.map((op) => ({
            resourceType: RESOURCE[rule.resource.type],
            resourceName: rule.resource.name,
            resourcePatternType: rule.resource.patternType === 'prefix' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
            principal: `User:${service.name}`,
            host: '*',
            operation: OPERATION[op as keyof typeof OPERATION],
            permissionType: AclPermissionTypes.ALLOW,
          })),
        ),
      ),
    });
    // kafkajs reports no per-ACL error: count what the broker holds now.
    const wanted = options.services.flatMap((service) => aclRules(service)).reduce((n, rule) => n + rule.operations.length, 0);
    const held = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const count = held.resources.reduce((n, r) => n + r.acls.length, 0);
    if (count !== wanted) throw new Error(`the SASL broker holds ${count} ACLs, not the ${wanted} of the access table`);
    // As Strimzi's Topic Operator would: every topic of the catalog exists before the services start.
    await admin.createTopics({
      waitForLeaders: true,
      topics: options.topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })) })),
    });
    await admin.disconnect();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    brokers: `localhost:${port}`,
    passwords,
    envFor: (user) => ({
      KAFKA_BROKERS: `localhost:${port}`,
      KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: user,
      KAFKA_SASL_PASSWORD: passwords.get(user)!,
    }),
    stop,
    output,
  };
}
