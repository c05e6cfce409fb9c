import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { streamUpstream, UpstreamError } from './fetchUpstream';

/** A real HTTP server whose handler the test sets per case. */
function testServer() {
  let handler: http.RequestListener = (_req, res) => res.end();
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => handler(req, res));
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (h: http.RequestListener) => {
      handler = h;
    },
    start: () => new Promise<void>(r => server.listen(0, '127.0.0.1', r)),
    stop: () =>
      new Promise<void>(r => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('streamUpstream', () => {
  const server = testServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('passes each line on in order, across chunk boundaries, and resolves at the end', async () => {
    server.set(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":1}\n{"b"');
      await sleep(20);
      res.write(':2}\r\n\n{"c":3}');
      res.end();
    });
    const lines: string[] = [];
    const answer = await streamUpstream(`${server.url()}/s`, {
      timeoutMs: 1000,
      maxLineBytes: 100,
      onLine: line => {
        lines.push(line);
      },
    });
    expect(answer.status).toBe(200);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('the timeout covers only the headers: a stream may last longer', async () => {
    server.set(async (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 4; i++) {
        res.write(`${i}\n`);
        await sleep(60);
      }
      res.end();
    });
    const lines: string[] = [];
    await streamUpstream(server.url(), {
      timeoutMs: 100,
      maxLineBytes: 10,
      onLine: l => {
        lines.push(l);
      },
    });
    expect(lines).toEqual(['0', '1', '2', '3']);
  });

  it('gives up a stream silent for idleTimeoutMs as stalled', async () => {
    server.set((_req, res) => {
      res.writeHead(200);
      res.write('first\n');
      // and then nothing, with the connection open
    });
    const lines: string[] = [];
    const error = await streamUpstream(server.url(), {
      timeoutMs: 1000,
      idleTimeoutMs: 150,
      maxLineBytes: 100,
      subject: 'the watch of Argo CD "dev"',
      onLine: l => {
        lines.push(l);
      },
    }).catch(e => e);
    expect(lines).toEqual(['first']);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.failure).toBe('timeout');
    expect(error.message).toBe(
      'the watch of Argo CD "dev" sent nothing for 150 ms; the stream was given up as stalled',
    );
  });

  it('fails on headers that do not come within the timeout', async () => {
    server.set(() => {});
    const error = await streamUpstream(server.url(), {
      timeoutMs: 100,
      maxLineBytes: 100,
      onLine: () => {},
    }).catch(e => e);
    expect(error.failure).toBe('timeout');
  });

  it('cancels a stream whose line exceeds the limit, naming the key', async () => {
    server.set((_req, res) => {
      res.writeHead(200);
      res.write('ok\n');
      res.write('x'.repeat(5000));
    });
    const lines: string[] = [];
    const error = await streamUpstream(server.url(), {
      timeoutMs: 1000,
      maxLineBytes: 1024,
      limitKey: 'datastack.inventory.maxEventBytes',
      onLine: l => {
        lines.push(l);
      },
    }).catch(e => e);
    expect(lines).toEqual(['ok']);
    expect(error.failure).toBe('too-large');
    expect(error.message).toContain('datastack.inventory.maxEventBytes');
  });

  it('reports a stream the upstream breaks off as interrupted', async () => {
    server.set((req, res) => {
      res.writeHead(200);
      res.write('one\n{"half');
      setTimeout(() => req.socket.destroy(), 30);
    });
    const lines: string[] = [];
    const error = await streamUpstream(server.url(), {
      timeoutMs: 1000,
      maxLineBytes: 100,
      onLine: l => {
        lines.push(l);
      },
    }).catch(e => e);
    expect(lines).toEqual(['one']);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(['interrupted', 'unreachable']).toContain(error.failure);
  });

  it('answers a non-2xx status with its redacted body and passes no line on', async () => {
    server.set((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"message":"token s3cr3t-token refused"}\n');
    });
    const lines: string[] = [];
    const answer = await streamUpstream(server.url(), {
      timeoutMs: 1000,
      maxLineBytes: 1000,
      secrets: ['s3cr3t-token'],
      onLine: l => {
        lines.push(l);
      },
    });
    expect(answer.status).toBe(403);
    expect(answer.text()).toContain('token *** refused');
    expect(lines).toEqual([]);
  });

  it("rethrows the caller's abort and the caller's own error from onLine", async () => {
    server.set((_req, res) => {
      res.writeHead(200);
      res.write('a\n');
    });
    const controller = new AbortController();
    const aborted = streamUpstream(server.url(), {
      timeoutMs: 1000,
      maxLineBytes: 100,
      signal: controller.signal,
      onLine: () => {
        controller.abort(new Error('shutting down'));
      },
    }).catch(e => e);
    expect((await aborted).message).toBe('shutting down');

    const thrown = await streamUpstream(server.url(), {
      timeoutMs: 1000,
      maxLineBytes: 100,
      onLine: () => {
        throw new RangeError('bad event');
      },
    }).catch(e => e);
    expect(thrown).toBeInstanceOf(RangeError);
  });
  it('keeps no chunk it has read while the stream stays open (no growth over a long watch)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const read: Array<WeakRef<Uint8Array>> = [];
    let push!: (chunk: Uint8Array) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = chunk => controller.enqueue(chunk);
      },
    });
    const line = `${JSON.stringify({ pad: 'x'.repeat(64 * 1024) })}\n`;
    let delivered = 0;
    const controller = new AbortController();
    const streaming = streamUpstream('http://argocd.test/stream', {
      timeoutMs: 1000,
      maxLineBytes: 1024 * 1024,
      signal: controller.signal,
      fetch: async () => new Response(body, { status: 200 }),
      onLine: () => {
        delivered++;
      },
    });
    for (let i = 0; i < 50; i++) {
      const chunk = new TextEncoder().encode(line);
      read.push(new WeakRef(chunk));
      push(chunk);
      await sleep(1);
    }
    await sleep(20);
    expect(delivered).toBe(50);
    // WeakRefs hold their target until the job that made them is over.
    await new Promise(r => setImmediate(r));
    gc();
    await new Promise(r => setImmediate(r));
    gc();
    const alive = read.filter(ref => ref.deref() !== undefined).length;
    // The last chunk may still sit in the stream's reader; none before it.
    expect(alive).toBeLessThanOrEqual(1);
    controller.abort(new Error('done'));
    await expect(streaming).rejects.toThrow('done');
  });
});
