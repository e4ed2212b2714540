// Test helper: a loopback HTTP server that records requests exactly as they arrive, so requests
// made by real AWS clients can be verified. It answers every request with an AWS-shaped 400 so
// clients give up at once instead of retrying.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigV4Request } from '../verify.js';

export interface CaptureServer {
  port: number;
  requests: SigV4Request[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export function splitTarget(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  return q < 0 ? { rawPath: target, rawQuery: '' } : { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: SigV4Request[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      requests.push({ method: req.method ?? 'GET', ...splitTarget(req.url ?? '/'), headers, body: Buffer.concat(chunks) });
      const query = (headers['content-type'] ?? '').includes('x-www-form-urlencoded') || (req.url ?? '').startsWith('/?');
      if (query) {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse><Error><Type>Sender</Type><Code>Captured</Code><Message>captured</Message></Error><RequestId>1</RequestId></ErrorResponse>');
      } else {
        res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'CapturedException' });
        res.end('{"message":"captured"}');
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
