// Dead letters as the real audit sink wrote them (Kafka Connect 4, MongoDB sink 2.0.1, FerretDB
// 1.24 on PostgreSQL), read from `dlq.<prefix>audit-sink` on the local stack on 2026-12-02 and
// kept here header for header, so the decision logic is tested against what Connect really
// says. Only the prefix is a parameter and the stack traces are cut after their first line (the
// re-drive never reads them). The outage was a real one: a FerretDB of its own behind a TCP
// proxy that was cut, as connectors/redrive/redrive.int.spec.ts does.
export const deadLetterHeaders = (p: string) => ({
  /** A document PostgreSQL jsonb cannot hold (a NUL character): FerretDB's InternalError with SQLSTATE 22P05. */
  nul: {
    'correlation-id': 'corr-1',
    traceparent: '00-abc-def-01',
    '__connect.errors.topic': `${p}task-events`,
    '__connect.errors.partition': '3',
    '__connect.errors.offset': '0',
    '__connect.errors.connector.name': `${p}audit-sink`,
    '__connect.errors.task.id': '0',
    '__connect.errors.stage': 'TASK_PUT',
    '__connect.errors.class.name': 'org.apache.kafka.connect.sink.SinkTask',
    '__connect.errors.exception.class.name': 'com.mongodb.MongoCommandException',
    '__connect.errors.exception.message': `Command failed with error 1 (InternalError): '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:105 common.UpdateDocument] [collection.go:163 postgresql.(*collection).InsertAll.func1] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)' on server localhost:39545. The full response is {"ok": 0.0, "errmsg": "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:105 common.UpdateDocument] [collection.go:163 postgresql.(*collection).InsertAll.func1] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)", "code": 1, "codeName": "InternalError"}`,
    '__connect.errors.exception.stacktrace': `com.mongodb.MongoCommandException: Command failed with error 1 (InternalError): '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:105 common.UpdateDocument] [collection.go:163 postgresql.(*collection).InsertAll.func1] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)' on server localhost:39545. The full response is {"ok": 0.0, "errmsg": "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:105 common.UpdateDocument] [collection.go:163 postgresql.(*collection).InsertAll.func1] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)", "code": 1, "codeName": "InternalError"}\n\tat ...`,
  },
  /** PostgreSQL gone behind a running FerretDB (its connections cut): InternalError, no SQLSTATE. */
  outage: {
    'correlation-id': 'corr-2',
    '__connect.errors.topic': `${p}task-events`,
    '__connect.errors.partition': '3',
    '__connect.errors.offset': '2',
    '__connect.errors.connector.name': `${p}audit-sink`,
    '__connect.errors.task.id': '0',
    '__connect.errors.stage': 'TASK_PUT',
    '__connect.errors.class.name': 'org.apache.kafka.connect.sink.SinkTask',
    '__connect.errors.exception.class.name': 'com.mongodb.MongoCommandException',
    '__connect.errors.exception.message': `Command failed with error 1 (InternalError): '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF' on server localhost:39545. The full response is {"ok": 0.0, "errmsg": "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF", "code": 1, "codeName": "InternalError"}`,
    '__connect.errors.exception.stacktrace': `com.mongodb.MongoCommandException: Command failed with error 1 (InternalError): '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF' on server localhost:39545. The full response is {"ok": 0.0, "errmsg": "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF", "code": 1, "codeName": "InternalError"}\n\tat ...`,
  },
  /** The same event re-sent through the retry topic with attempt 1 while still down: Connect kept the re-drive's headers. */
  outageRetried: {
    'correlation-id': 'corr-2',
    'audit-redrive-attempt': '1',
    'audit-redrive-origin': `${p}task-events`,
    '__connect.errors.topic': `${p}audit-retry`,
    '__connect.errors.partition': '3',
    '__connect.errors.offset': '0',
    '__connect.errors.connector.name': `${p}audit-sink`,
    '__connect.errors.task.id': '0',
    '__connect.errors.stage': 'TASK_PUT',
    '__connect.errors.class.name': 'org.apache.kafka.connect.sink.SinkTask',
    '__connect.errors.exception.class.name': 'com.mongodb.MongoCommandException',
    '__connect.errors.exception.message': `Command failed with error 1 (InternalError): '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF' on server localhost:39545. The full response is {"ok": 0.0, "errmsg": "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF", "code": 1, "codeName": "InternalError"}`,
    '__connect.errors.exception.stacktrace': `com.mongodb.MongoCommandException: Command failed with error 1 (InternalError): '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF' on server localhost:39545. The full response is {"ok": 0.0, "errmsg": "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:59 common.UpdateDocument] [filter_iterator.go:52 common.(*filterIterator).Next] [query_iterator.go:92 postgresql.(*queryIterator).Next] unexpected EOF", "code": 1, "codeName": "InternalError"}\n\tat ...`,
  },
  /** Bytes that are not Avro in the registry's wire format: the converter refuses them, before any write. */
  converter: {
    '__connect.errors.topic': `${p}task-events`,
    '__connect.errors.partition': '3',
    '__connect.errors.offset': '0',
    '__connect.errors.connector.name': `${p}audit-sink`,
    '__connect.errors.task.id': '0',
    '__connect.errors.stage': 'VALUE_CONVERTER',
    '__connect.errors.class.name': 'io.apicurio.registry.utils.converter.AvroConverter',
    '__connect.errors.exception.class.name': 'java.lang.IllegalStateException',
    '__connect.errors.exception.message': 'artifact reference cannot be null',
    '__connect.errors.exception.stacktrace': 'java.lang.IllegalStateException: artifact reference cannot be null\n\tat ...',
  },
  /** FerretDB killed: the Java driver's pooled socket reached end of stream. */
  socket: {
    '__connect.errors.topic': `${p}task-events`,
    '__connect.errors.partition': '3',
    '__connect.errors.offset': '2',
    '__connect.errors.connector.name': `${p}audit-sink`,
    '__connect.errors.task.id': '0',
    '__connect.errors.stage': 'TASK_PUT',
    '__connect.errors.class.name': 'org.apache.kafka.connect.sink.SinkTask',
    '__connect.errors.exception.class.name': 'com.mongodb.MongoSocketReadException',
    '__connect.errors.exception.message': 'Prematurely reached end of stream',
    '__connect.errors.exception.stacktrace': 'com.mongodb.MongoSocketReadException: Prematurely reached end of stream\n\tat ...',
  },
});

export type CapturedDeadLetter = keyof ReturnType<typeof deadLetterHeaders>;
