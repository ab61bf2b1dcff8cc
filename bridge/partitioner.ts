// Which partition holds a user's events. Every producer here (gateway, processors) uses the
// client's default murmur2 partitioner, the Java client's, so the partition of a key is
// murmur2(key) mod count; kafkajs implements exactly that one, and we borrow it rather than
// hand-write a hash. The bridge needs it to replay a user's partition and to give a client
// without a cursor one to come back with.
import kafkajs from 'kafkajs';

const partitioner = kafkajs.Partitioners.DefaultPartitioner();

export function userPartition(userId: string, partitionCount: number): number {
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
  return partitioner({ topic: '', partitionMetadata, message: { key: userId, value: null } });
}
