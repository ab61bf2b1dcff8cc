// The faults of the chaos run. Each injects itself, heals after its downtime (a supervisor
// restarting a killed process, an operator restarting a stopped server) and says when its
// component is back. The runner measures around them.
import type { Service } from './services.js';
import type { ChaosStack, ClusterAdmin, StackComponent } from './stack.js';
import { sleep } from './workload.js';

export interface FaultContext {
  stack: ChaosStack;
  admin: ClusterAdmin;
  services: Map<string, Service>;
  /** Physical topic names of the run (for leaders and replica checks). */
  topics: string[];
  taskEvents: string;
  /** Every socket is connected and synced again. */
  devicesSynced: () => boolean;
  log: (line: string) => void;
}

export interface Fault {
  name: string;
  inject(ctx: FaultContext): Promise<void>;
  /** Waits out the downtime, then brings the component back. */
  heal(ctx: FaultContext): Promise<void>;
  /** The component serves again (the runner adds a confirmed write on top). */
  back(ctx: FaultContext): Promise<boolean>;
}

const service = (ctx: FaultContext, name: string): Service => {
  const s = ctx.services.get(name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

/** kill -9 of a service, restarted `restartAfterMs` later as a supervisor would. */
export function killService(name: string, restartAfterMs = 2000): Fault {
  return {
    name: `kill -9 ${name}`,
    inject: (ctx) => service(ctx, name).kill(),
    heal: async (ctx) => {
      await sleep(restartAfterMs);
      // Not awaited to the end: a service that cannot start yet is retried in the background,
      // and back() says when it serves.
      void service(ctx, name)
        .supervise()
        .catch((err: unknown) => ctx.log(`  ${name} did not come back: ${String(err)}`));
    },
    back: async (ctx) => (await service(ctx, name).healthy()) && (name !== 'bridge' || ctx.devicesSynced()),
  };
}

/** SIGSTOP past the consumer's session timeout (librdkafka's default 45 s), then SIGCONT. */
export function pauseService(name: string, pauseMs: number): Fault {
  return {
    name: `SIGSTOP ${name} ${Math.round(pauseMs / 1000)} s`,
    inject: (ctx) => Promise.resolve(service(ctx, name).pause()),
    heal: async (ctx) => {
      await sleep(pauseMs);
      service(ctx, name).resume();
    },
    back: (ctx) => service(ctx, name).healthy(),
  };
}

/** kill -9 of the node leading the busiest partition of task-events; restarted after `downMs`. */
export function killLeaderBroker(downMs: number): Fault {
  let node: StackComponent | undefined;
  return {
    name: 'kill -9 leader broker',
    inject: async (ctx) => {
      const { partition, leader, high } = await ctx.admin.leaderOfBusiestPartition(ctx.taskEvents);
      node = `kafka-${leader}` as StackComponent;
      ctx.log(`busiest partition ${ctx.taskEvents}-${partition} (${high} offsets) is led by node ${leader}: killing ${node}`);
      await ctx.stack.kill(node);
    },
    heal: async (ctx) => {
      await sleep(downMs);
      if (node) await ctx.stack.start(node);
    },
    // Back when the node is up and every partition of the run has all its replicas in sync.
    back: async (ctx) => node !== undefined && (await ctx.stack.healthy(node)) && (await ctx.admin.underReplicated(ctx.topics)) === 0,
  };
}

/** A stack server stopped (SIGTERM, or PostgreSQL's fast shutdown) for `downMs`, then started. */
export function stopComponent(component: StackComponent, downMs: number): Fault {
  return {
    name: `${component} stopped ${Math.round(downMs / 1000)} s`,
    inject: async (ctx) => void (await ctx.stack.stop(component)),
    heal: async (ctx) => {
      await sleep(downMs);
      await ctx.stack.start(component);
    },
    back: (ctx) => ctx.stack.healthy(component),
  };
}

/** Several faults at once, injected a second apart, each healing on its own clock. */
export function overlapping(name: string, faults: Fault[]): Fault {
  return {
    name,
    inject: async (ctx) => {
      for (const f of faults) {
        ctx.log(`  + ${f.name}`);
        await f.inject(ctx);
        await sleep(1000);
      }
    },
    heal: async (ctx) => void (await Promise.all(faults.map((f) => f.heal(ctx)))),
    back: async (ctx) => (await Promise.all(faults.map((f) => f.back(ctx)))).every(Boolean),
  };
}
