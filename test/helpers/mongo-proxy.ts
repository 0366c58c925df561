// A TCP proxy on 127.0.0.1 in front of the shared MongoDB server, so that a
// test can make "the server" go away mid-operation without stopping the real
// one that every other test uses. It forwards bytes and knows nothing of the
// wire protocol.
import { createServer, connect, type Socket } from 'node:net';

export interface MongoProxy {
  /** The connection string to give mongosafe: the target's, with the proxy's host and port. */
  uri: string;
  /** Bytes the server has sent through the proxy so far (a progress gauge). */
  readonly bytesFromServer: number;
  /** The server goes away: every open connection is reset and new ones are refused. */
  stop(): Promise<void>;
}

/** Starts a proxy to the host and port of `targetUri` (a single-host mongodb:// URI). */
export async function startMongoProxy(targetUri: string): Promise<MongoProxy> {
  const target = new URL(targetUri);
  const pairs = new Set<[Socket, Socket]>();
  let bytesFromServer = 0;
  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port || 27017) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    upstream.on('data', (chunk: Buffer) => {
      bytesFromServer += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the MongoDB proxy has no TCP address');
  const uri = new URL(targetUri);
  uri.host = `127.0.0.1:${address.port}`;

  return {
    uri: uri.href,
    get bytesFromServer() {
      return bytesFromServer;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A reset, as a crashed or killed server's kernel sends, rather than an orderly close.
        for (const [client, upstream] of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
        pairs.clear();
      }),
  };
}
