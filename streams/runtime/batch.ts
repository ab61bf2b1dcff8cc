// One batch of one partition through a processor, with Kafka Streams' "continue" policy for
// records that can never succeed (KIP-1033's processing exception handler): a permanent failure
// (platform/errors.ts) condemns that record alone and the partition moves on; a transient one
// fails the whole batch, which the caller rolls back and retries. Shared by the Kafka runtime
// and the TestDriver, so a processor meets the same rules in both.
//
// Processors with batch hooks fold a batch in memory and write it in endBatch(): a failure there
// (the database refusing one document of the grouped write) belongs to the batch, not to a
// record. Then the batch is run again one record at a time, each as a batch of its own, which
// names the records that fail alone; only those are condemned.
import { condemns } from './records.js';
import type { PartitionTask } from './partition-task.js';
import type { InputRecord, Processor } from './types.js';

export interface FailedRecord {
  record: InputRecord;
  error: unknown;
}

export interface BatchResult<T> {
  /** What the surviving records forwarded, in order. */
  outputs: T[];
  /** Records condemned by a permanent failure, in order. */
  failed: FailedRecord[];
  /** Whether the batch had to be run one record at a time to find them. */
  isolated: boolean;
}

/** A record of a batch-hooked processor failed: the batch state it was folded into is tainted. */
class RedoAlone extends Error {}

export async function runBatch<T>(task: PartitionTask<T>, records: readonly InputRecord[]): Promise<BatchResult<T>> {
  try {
    return await runTogether(task, records);
  } catch (error) {
    if (!(error instanceof RedoAlone) && !condemns(error)) throw error;
    // Back to the state before the batch, then each record on its own.
    task.abort();
    return runAlone(task, records);
  }
}

const hasBatchHooks = (processor: Processor): boolean => processor.beginBatch !== undefined || processor.endBatch !== undefined;

async function runTogether<T>(task: PartitionTask<T>, records: readonly InputRecord[]): Promise<BatchResult<T>> {
  const { processor, partition } = task;
  const outputs: T[] = [];
  const failed: FailedRecord[] = [];
  await processor.beginBatch?.(records, { partition });
  for (const record of records) {
    try {
      outputs.push(...(await task.process(record)));
    } catch (error) {
      if (!condemns(error)) throw error;
      // task.process() took back the record's store writes; a batch-hooked processor's own
      // batch state cannot be taken back that way.
      if (hasBatchHooks(processor)) throw new RedoAlone();
      failed.push({ record, error });
    }
  }
  await processor.endBatch?.({ partition });
  return { outputs, failed, isolated: false };
}

/**
 * Each record as a batch of one. A record whose process() fails never reaches endBatch (the next
 * beginBatch starts the processor's batch state afresh); one whose endBatch fails has its store
 * writes and outputs taken back.
 */
async function runAlone<T>(task: PartitionTask<T>, records: readonly InputRecord[]): Promise<BatchResult<T>> {
  const { processor, partition } = task;
  const outputs: T[] = [];
  const failed: FailedRecord[] = [];
  for (const record of records) {
    const mark = task.mark();
    try {
      await processor.beginBatch?.([record], { partition });
      const out = await task.process(record);
      await processor.endBatch?.({ partition });
      outputs.push(...out);
    } catch (error) {
      if (!condemns(error)) throw error;
      task.rollbackTo(mark);
      failed.push({ record, error });
    }
  }
  return { outputs, failed, isolated: true };
}
