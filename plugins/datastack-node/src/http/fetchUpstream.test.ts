import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  fetchUpstream,
  redactSecrets,
  redactUrl,
  UpstreamError,
} from './fetchUpstream';

const BASE = 'https://upstream.example.com';

/** A body of `chunks` chunks of `size` bytes, one per macrotask, counting what was pulled. */
function streamed(chunks: number, size: number, pulled: { count: number }) {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise(resolve => setImmediate(resolve));
      if (sent >= chunks) {
        controller.close();
        return;
      }
      sent++;
      pulled.count++;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
  });
}

/** Counts timer ticks while `work` runs: a blocked event loop counts none. */
async function ticksDuring<T>(
  work: Promise<T>,
): Promise<{ ticks: number; result: PromiseSettledResult<T> }> {
  // A turn of the event loop, not a wall-clock interval: a fast download
  // still lets other work run between its reads, and a blocked loop counts
  // none however long it takes.
  let ticks = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    ticks++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const [result] = await Promise.allSettled([work]);
  running = false;
  return { ticks, result };
}

describe('fetchUpstream', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  it('returns a bounded answer and its status, headers and URL', async () => {
    server.use(
      http.get(`${BASE}/ok`, () =>
        HttpResponse.json({ hello: 'world' }, { headers: { etag: '"1"' } }),
      ),
    );
    const res = await fetchUpstream(`${BASE}/ok`, {
      timeoutMs: 1000,
      maxBytes: 1024,
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(JSON.parse(res.text())).toEqual({ hello: 'world' });
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const pulled = { count: 0 };
    server.use(
      http.get(
        `${BASE}/huge`,
        () =>
          new HttpResponse(streamed(1_000_000, 1024, pulled), {
            headers: { 'content-length': String(10 * 1024 * 1024 * 1024) },
          }),
      ),
    );
    const error = await fetchUpstream(`${BASE}/huge`, {
      timeoutMs: 5000,
      maxBytes: 1024 * 1024,
      subject: 'the index of charts.example.com',
    }).catch(e => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.failure).toBe('too-large');
    expect(error.message).toBe(
      'the index of charts.example.com declared 10737418240 bytes, more than the 1048576 allowed',
    );
    expect(pulled.count).toBeLessThan(5);
  });

  it('cancels a streamed body past the limit while the event loop keeps ticking', async () => {
    const pulled = { count: 0 };
    server.use(
      http.get(
        `${BASE}/endless`,
        () => new HttpResponse(streamed(100_000, 64 * 1024, pulled)),
      ),
    );
    const { ticks, result } = await ticksDuring(
      fetchUpstream(`${BASE}/endless`, {
        timeoutMs: 10_000,
        maxBytes: 4 * 1024 * 1024,
      }),
    );
    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason;
    expect(error.failure).toBe('too-large');
    expect(error.message).toMatch(
      /sent more than the 4194304 bytes allowed; the download was cancelled/,
    );
    // Cancelled soon after the limit, not read to the end (100 000 chunks).
    expect(pulled.count).toBeLessThan(200);
    expect(ticks).toBeGreaterThan(0);
  });

  it('times out a body that trickles past the timeout', async () => {
    server.use(
      http.get(`${BASE}/slow`, () => {
        let sent = 0;
        return new HttpResponse(
          new ReadableStream({
            async pull(controller) {
              await new Promise(resolve => setTimeout(resolve, 50));
              sent++;
              if (sent > 1000) controller.close();
              else controller.enqueue(new TextEncoder().encode('x'));
            },
          }),
        );
      }),
    );
    const started = Date.now();
    const { ticks, result } = await ticksDuring(
      fetchUpstream(`${BASE}/slow`, { timeoutMs: 300, maxBytes: 1_000_000 }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    const error = (result as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.failure).toBe('timeout');
    expect(error.message).toBe(
      `${BASE}/slow did not answer in full within 300 ms`,
    );
    expect(ticks).toBeGreaterThan(10);
  });

  it('rethrows the caller’s abort as it is', async () => {
    server.use(
      http.get(`${BASE}/hang`, () => new HttpResponse(new ReadableStream())),
    );
    const controller = new AbortController();
    const pending = fetchUpstream(`${BASE}/hang`, {
      timeoutMs: 10_000,
      maxBytes: 1000,
      signal: controller.signal,
    });
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('cancels the body of an answer that a fetch ignoring the signal gives after the abort', async () => {
    const cancelled = jest.fn();
    let answer!: (response: Response) => void;
    const controller = new AbortController();
    const pending = fetchUpstream('http://argocd.test/late', {
      timeoutMs: 10_000,
      maxBytes: 1000,
      signal: controller.signal,
      fetch: () => new Promise<Response>(resolve => (answer = resolve)),
    });
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    answer(
      new Response(new ReadableStream({ cancel: cancelled }), { status: 200 }),
    );
    await new Promise(r => setImmediate(r));
    expect(cancelled).toHaveBeenCalled();
  });

  it('follows redirects within the origin, at most 5', async () => {
    server.use(
      http.get(`${BASE}/r/:n`, ({ params }) => {
        const n = Number(params.n);
        return n === 0
          ? HttpResponse.text('arrived')
          : new HttpResponse(null, {
              status: 302,
              headers: { location: `/r/${n - 1}` },
            });
      }),
    );
    const res = await fetchUpstream(`${BASE}/r/5`, {
      timeoutMs: 1000,
      maxBytes: 100,
    });
    expect(res.text()).toBe('arrived');
    expect(res.url).toBe(`${BASE}/r/0`);
    const error = await fetchUpstream(`${BASE}/r/6`, {
      timeoutMs: 1000,
      maxBytes: 100,
    }).catch(e => e);
    expect(error.failure).toBe('redirect');
    expect(error.message).toBe(`${BASE}/r/6 redirected more than 5 times`);
  });

  it('refuses a redirect to another origin, and never sends it the credentials', async () => {
    const seen: Array<string | null> = [];
    server.use(
      http.get(
        `${BASE}/moved`,
        () =>
          new HttpResponse(null, {
            status: 301,
            headers: { location: 'https://evil.example.net/steal' },
          }),
      ),
      http.get('https://evil.example.net/steal', ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return HttpResponse.text('gotcha');
      }),
    );
    const error = await fetchUpstream(`${BASE}/moved`, {
      timeoutMs: 1000,
      maxBytes: 100,
      headers: { authorization: 'Bearer s3cr3t-token' },
    }).catch(e => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.failure).toBe('redirect');
    expect(error.status).toBe(301);
    expect(error.message).toBe(
      `${BASE}/moved redirected to another origin (https://evil.example.net), which is not followed`,
    );
    expect(seen).toEqual([]);

    const res = await fetchUpstream(`${BASE}/moved`, {
      timeoutMs: 1000,
      maxBytes: 100,
      headers: { authorization: 'Bearer s3cr3t-token' },
      crossOriginRedirects: 'without-credentials',
    });
    expect(res.text()).toBe('gotcha');
    expect(seen).toEqual([null]);
  });

  it('redacts every secret and URL credential from error bodies and messages', async () => {
    server.use(
      http.get(`${BASE}/denied`, ({ request }) =>
        HttpResponse.json(
          {
            message: `token ${request.headers
              .get('authorization')
              ?.slice(
                7,
              )} is not valid; see https://bob:hunter22@mirror.example.com/x`,
          },
          { status: 401 },
        ),
      ),
    );
    const res = await fetchUpstream(`${BASE}/denied`, {
      timeoutMs: 1000,
      maxBytes: 10_000,
      headers: { authorization: 'Bearer s3cr3t-token' },
      secrets: ['s3cr3t-token'],
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text()).message).toBe(
      'token *** is not valid; see https://***@mirror.example.com/x',
    );

    const error = await fetchUpstream(
      'https://alice:pa55word@unreachable.invalid/x',
      {
        timeoutMs: 1000,
        maxBytes: 100,
        fetch: () =>
          Promise.reject(
            new TypeError('fetch failed', {
              cause: new Error('getaddrinfo ENOTFOUND pa55word'),
            }),
          ),
      },
    ).catch(e => e);
    expect(error.failure).toBe('unreachable');
    expect(error.message).toBe(
      'https://unreachable.invalid/x could not be reached: getaddrinfo ENOTFOUND ***',
    );
    expect(error.url).toBe('https://unreachable.invalid/x');
  });

  it('sends credentials embedded in a URL as basic auth, not in the URL', async () => {
    server.use(
      http.get(`${BASE}/private`, ({ request }) =>
        HttpResponse.text(String(request.headers.get('authorization'))),
      ),
    );
    const res = await fetchUpstream(
      'https://u:p%40ss@upstream.example.com/private',
      {
        timeoutMs: 1000,
        maxBytes: 100,
      },
    );
    expect(res.text()).toBe(
      `Basic ${Buffer.from('u:p@ss').toString('base64')}`,
    );
  });

  it('redactUrl and redactSecrets', () => {
    expect(redactUrl('https://a:b@h.example/p')).toBe('https://h.example/p');
    expect(redactSecrets('x abcd%2F y abcd/', ['abcd/'])).toBe('x *** y ***');
  });
});
