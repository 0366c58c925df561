// A fault-injecting HTTP proxy on 127.0.0.1 in front of an S3 endpoint (moto).
// mongosafe is pointed at it with AWS_ENDPOINT_URL, as a user would point it at
// any S3-compatible server: the product runs unchanged, the network misbehaves.
// With no fault injected it is a meter: each request's answer bytes (the bench's bytes read).
// Requests are forwarded untouched (the Host header too, so signatures hold).
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomSource } from '../unit/archive/archive-io.js';

export type Fault =
  /** An S3 error answer, e.g. 503 SlowDown or 500 InternalError; the request never reaches the server. */
  | { kind: 'status'; status: number; code: string }
  /** The connection dies once the request has started arriving (a reset, as a load balancer may do). */
  | { kind: 'reset' }
  /** Forwarded after a pause: a slow network or an overloaded server. */
  | { kind: 'delay'; ms: number }
  /** Forwarded, but the connection dies after this many bytes of the answer's body (a download cut short). */
  | { kind: 'cut'; afterBytes: number }
  /** The server's status and headers, then a reset before the first byte of the body (a stream that fails before it starts). */
  | { kind: 'reset-after-headers' };

export interface FaultRule {
  /** HTTP method to match; default any. */
  method?: string;
  /** Matched against the path and query, e.g. /partNumber=/ for UploadPart. */
  path?: RegExp;
  fault: Fault;
  /** Only the next N matching requests; default every one. */
  times?: number;
  /** Only this share of the matching requests, chosen by a seeded random source; default all. */
  fraction?: number;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The fault injected, if any. */
  fault?: Fault['kind'];
  /** The Range and If-Match headers, when sent: how a download was resumed. */
  range?: string;
  ifMatch?: string;
  /** Bytes of the answer's body passed on to the client so far: what a download cost. */
  bodyBytes: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>: the AWS_ENDPOINT_URL to give mongosafe. */
  url: string;
  /** Every request seen, in order of arrival. */
  requests: ProxiedRequest[];
  /** Bytes of the answers to GETs whose path contains `key` (an object's key), summed over `requests`. */
  downloadedBytes(key: string): number;
  inject(rule: FaultRule): void;
  /** Removes every rule: from now on requests pass untouched. */
  clear(): void;
  close(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

/** Starts a proxy that forwards to `target` (an http:// URL) and injects the faults it is given. */
export async function startFaultProxy(target: string, seed = 1): Promise<FaultProxy> {
  const upstream = new URL(target);
  const random = randomSource(seed);
  let rules: ActiveRule[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  function faultFor(method: string, path: string): Fault | undefined {
    for (const rule of rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.path !== undefined && !rule.path.test(path)) continue;
      if (rule.fraction !== undefined && random() >= rule.fraction) continue;
      rule.remaining--;
      return rule.fault;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, res: ServerResponse, seen: ProxiedRequest, cutAfterBytes = Number.POSITIVE_INFINITY, resetAfterHeaders = false): void {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req.headers) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (resetAfterHeaders) {
          answer.destroy();
          // An empty write sends the headers; its callback runs once they are on the wire.
          res.write(Buffer.alloc(0), () => res.socket?.resetAndDestroy());
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          const room = cutAfterBytes - sent;
          sent += chunk.length;
          if (chunk.length < room) {
            seen.bodyBytes += chunk.length;
            if (!res.write(chunk)) answer.pause();
            return;
          }
          seen.bodyBytes += room;
          res.write(chunk.subarray(0, room), () => res.socket?.destroy());
          answer.destroy();
        });
        res.on('drain', () => answer.resume());
        answer.on('end', () => res.end());
      },
    );
    out.on('error', () => req.socket.destroy());
    req.pipe(out);
  }

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = faultFor(method, path);
    const seen: ProxiedRequest = { method, path, fault: fault?.kind, range: req.headers.range, ifMatch: req.headers['if-match'], bodyBytes: 0 };
    requests.push(seen);
    if (fault === undefined) return forward(req, res, seen);
    switch (fault.kind) {
      case 'delay':
        setTimeout(() => forward(req, res, seen), fault.ms);
        return;
      case 'cut':
        forward(req, res, seen, fault.afterBytes);
        return;
      case 'reset-after-headers':
        forward(req, res, seen, Number.POSITIVE_INFINITY, true);
        return;
      case 'reset': {
        const cut = () => req.socket.destroy();
        req.once('data', cut);
        req.once('end', cut);
        return;
      }
      case 'status':
        // Read the request first, as a server does, so the client sees the answer rather than a broken pipe.
        req.resume();
        req.once('end', () => {
          const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the test's fault proxy</Message><RequestId>fault-proxy</RequestId></Error>`;
          res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
          res.end(method === 'HEAD' ? undefined : body);
        });
        return;
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    downloadedBytes: (key) => requests.filter((r) => r.method === 'GET' && r.path.includes(key)).reduce((sum, r) => sum + r.bodyBytes, 0),
    inject: (rule) => rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY }),
    clear: () => {
      rules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The client's headers as they are, minus `expect`: this proxy already answered the 100-continue itself. */
function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { expect: _expect, ...rest } = headers;
  return rest;
}
