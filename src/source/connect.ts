import { MongoClient, MongoError, MongoParseError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { MongosafeError, messageOf } from '../errors.js';
import { onAbort, throwIfAborted } from '../util/abort.js';
import { redactUri, scrubSecrets } from '../util/redact.js';

export interface ConnectOptions {
  /** Server-selection timeout; the URI's own serverSelectionTimeoutMS wins. Default 10 s. */
  connectTimeoutMs?: number;
  appName?: string;
  /** Stops the attempt at once: the client is closed, its sockets with it. */
  signal?: AbortSignal;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const AUTH_FAILED = 18;

/**
 * Connects and proves the connection with a ping, so that an unreachable host,
 * a bad password or a malformed URI fails here with one clear line.
 */
export async function connectSource(uri: string, options: ConnectOptions = {}): Promise<MongoClient> {
  const where = redactUri(uri);
  const hasOwnTimeout = /[?&]serverSelectionTimeoutMS=/i.test(uri);
  let client: MongoClient;
  try {
    client = new MongoClient(uri, {
      appName: options.appName ?? 'mongosafe',
      ...(hasOwnTimeout ? {} : { serverSelectionTimeoutMS: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS }),
    });
  } catch (error) {
    // The client constructor only parses: whatever it refuses is the URI's or the options' fault.
    const translated = translateMongoError(error, uri, `the connection string ${where} is malformed`);
    throw new MongosafeError('USAGE', translated.message, 'check the URI: mongodb://user:password@host:port/ or mongodb+srv://…', { cause: error });
  }
  // Server selection waits out its timeout whatever happens meanwhile, and its sockets would keep
  // the process alive after that: a stop (Ctrl-C, a container's SIGTERM) closes the client instead.
  const stopWaiting = onAbort(options.signal, () => void client.close(true).catch(() => undefined));
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    // A stop that came after the ping closed the client: the catch below reports it.
    options.signal?.throwIfAborted();
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    throwIfAborted(options.signal, `connecting to MongoDB at ${where}`);
    throw translateMongoError(error, uri, `cannot connect to MongoDB at ${where}`);
  } finally {
    stopWaiting();
  }
}

/**
 * Maps a driver error to a MongosafeError once, where it enters. The password
 * is scrubbed from driver messages, which sometimes echo the URI.
 */
export function translateMongoError(error: unknown, uri: string, context: string): MongosafeError {
  if (error instanceof MongosafeError) return error;
  const secrets = passwordsOf(uri);
  const detail = scrubSecrets(messageOf(error), secrets);
  if (error instanceof MongoParseError || (error instanceof MongoError && /URI|connection string/i.test(error.message) && !(error instanceof MongoServerError))) {
    return new MongosafeError('USAGE', `${context}: ${detail}`, 'check the URI: mongodb://user:password@host:port/ or mongodb+srv://…', { cause: error });
  }
  if (error instanceof MongoServerError && (error.code === AUTH_FAILED || /auth/i.test(error.codeName ?? ''))) {
    return new MongosafeError('AUTH', `${context}: authentication failed`, 'check the user name and password (and authSource) in the connection string', {
      cause: error,
      details: { kind: 'permission' },
    });
  }
  if (error instanceof MongoServerSelectionError) {
    return new MongosafeError('SOURCE', `${context}: no server answered (${detail})`, 'check that the host is up and reachable, and on Atlas that this machine\'s IP is in the access list', {
      cause: error,
      details: { kind: 'network' },
    });
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return new MongosafeError('USAGE', `${context}: ${detail}`, 'check the connection string and its options', { cause: error });
  }
  return new MongosafeError('SOURCE', `${context}: ${detail}`, undefined, { cause: error });
}

/** The password of a connection string, so it can be scrubbed from any text. */
function passwordsOf(uri: string): string[] {
  const match = /^mongodb(?:\+srv)?:\/\/[^:@/]*:([^@/]*)@/.exec(uri);
  if (!match?.[1]) return [];
  const raw = match[1];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // A malformed escape: only the raw text can appear.
  }
  return [raw, decoded];
}
