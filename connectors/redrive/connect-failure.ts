// Kafka Connect says why the audit sink could not write a record in two dead-letter headers: the
// Java exception's class and its message. This turns them back into the error the Node driver
// would have thrown for the same failure, so that platform/errors.ts's classifyFailure decides
// transient or permanent, by server code and SQLSTATE, with the one table the whole codebase
// uses, instead of a second table of Java messages here.
//
// The shapes, as the MongoDB Java driver 5 and the sink 2.0.1 print them (the first two captured
// from the real stack, see testing/dead-letters.ts):
//   com.mongodb.MongoCommandException    Command failed with error 1 (InternalError): '<errmsg>' on server <host>. The full response is {...}
//   com.mongodb.MongoSocketReadException Prematurely reached end of stream
//   com.mongodb.kafka.connect.sink.dlq.WriteException          v=1, code=<n>, message=<errmsg>, details=<json>
//   com.mongodb.kafka.connect.sink.dlq.WriteConcernException   v=1, code=<n>, codeName=<name>, message=<errmsg>, details=<json>
//   com.mongodb.MongoWriteException      Write operation error on server <host>. Write error: WriteError{code=<n>, message='<errmsg>', details={}}.
//   com.mongodb.MongoBulkWriteException  Bulk write operation error on server <host>. Write errors: [BulkWriteError{index=0, code=<n>, message='<errmsg>', details={}}].
import { MongoNetworkError, MongoNetworkTimeoutError, MongoServerError } from 'mongodb';
import { TransientError } from '../../platform/errors.js';

/**
 * The Java driver's client-side failures (the server never answered, or could not be reached),
 * as the Node driver's nearest class: a driver-side MongoError, which classifyFailure retries.
 */
const DRIVER_SIDE: ReadonlyMap<string, 'network' | 'timeout'> = new Map([
  ['com.mongodb.MongoSocketException', 'network'],
  ['com.mongodb.MongoSocketOpenException', 'network'],
  ['com.mongodb.MongoSocketReadException', 'network'],
  ['com.mongodb.MongoSocketWriteException', 'network'],
  ['com.mongodb.MongoSocketClosedException', 'network'],
  ['com.mongodb.MongoServerUnavailableException', 'network'],
  ['com.mongodb.MongoConnectionPoolClearedException', 'network'],
  ['com.mongodb.MongoSocketReadTimeoutException', 'timeout'],
  // Server selection or a connection checkout that timed out: the server is unreachable.
  ['com.mongodb.MongoTimeoutException', 'timeout'],
  ['com.mongodb.MongoOperationTimeoutException', 'timeout'],
  ['com.mongodb.MongoExecutionTimeoutException', 'timeout'],
  // The task's thread was interrupted (the task stopping or restarting), not the record.
  ['com.mongodb.MongoInterruptedException', 'network'],
]);

/** An ordered bulk write did not try this record because an earlier one failed: it never failed itself. */
const WRITE_SKIPPED = 'com.mongodb.kafka.connect.sink.dlq.WriteSkippedException';

const COMMAND_FAILED = /^Command failed with error (-?\d+)(?: \((\w+)\))?: '([\s\S]*)' on server /;
const CODE = /\bcode=(-?\d+)/;
const CODE_NAME = /\bcodeName='?(\w+)/;
/** `message='...'` (the driver's toString) or `message=...` (the sink's v=1 format), up to its details. */
const MESSAGE = /\bmessage=(?:'([\s\S]*?)'|([\s\S]*?))(?:, details=|\}|$)/;

/** The server's answer in a command or write failure's message: its code, code name and errmsg. */
export function serverAnswer(message: string): { code: number; codeName?: string; errmsg: string } | null {
  const command = COMMAND_FAILED.exec(message);
  if (command) return { code: Number(command[1]), ...(command[2] ? { codeName: command[2] } : {}), errmsg: command[3]! };
  const code = CODE.exec(message);
  if (!code) return null;
  const codeName = CODE_NAME.exec(message)?.[1];
  const text = MESSAGE.exec(message);
  return { code: Number(code[1]), ...(codeName ? { codeName } : {}), errmsg: text?.[1] ?? text?.[2] ?? message };
}

/**
 * The error the Node driver would have thrown, for classifyFailure: a MongoServerError with the
 * server's code and message when the message carries one, a driver-side network error for the Java
 * driver's connection and timeout classes, else a plain Error named after the Java class (which
 * classifyFailure calls permanent: an unknown failure would throw again on the same record).
 */
export function connectFailure(className: string | undefined, message: string | undefined): unknown {
  const text = message ?? '';
  if (className === WRITE_SKIPPED) return new TransientError('WRITE_SKIPPED', 'not attempted: an earlier write of its ordered bulk write failed');
  const kind = className ? DRIVER_SIDE.get(className) : undefined;
  if (kind === 'timeout') return new MongoNetworkTimeoutError(text);
  if (kind === 'network') return new MongoNetworkError(text);
  if (className?.startsWith('com.mongodb.')) {
    const answer = serverAnswer(text);
    if (answer) return new MongoServerError({ ...answer, message: answer.errmsg, ok: 0 });
  }
  const simpleName = className?.split(/[.$]/).pop() || 'UnknownConnectFailure';
  return Object.assign(new Error(text), { name: simpleName });
}
