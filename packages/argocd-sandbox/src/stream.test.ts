import { ArgoCdSandbox, startArgoCdSandbox } from './index';
import type { Application, ApplicationSpec } from './index';

const TOKEN = 'sandbox-test-token';
const VIEWER = 'viewer-x';
const SYNC_MS = 400;
const STREAM = '/api/v1/stream/applications';

interface WatchEvent {
  result: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; application: Application };
}

async function call<T = unknown>(
  sandbox: ArgoCdSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function application(
  name: string,
  labels: Record<string, string> = {},
  spec: Partial<ApplicationSpec> = {},
  finalizers: string[] = [],
): Application {
  return {
    metadata: { name, labels, finalizers },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://airflow.apache.org',
        chart: 'airflow',
        targetRevision: '1.16.0',
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: 'airflow',
      },
      ...spec,
    },
  };
}

/** Reads a fetch body line by line, with a timeout per wait. */
function lineReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  /** Waits for more bytes: 'data', 'done', or 'timeout'. */
  const fill = async (timeoutMs: number) => {
    pending ??= reader.read();
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      pending,
      new Promise<'timeout'>(resolve => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (result === 'timeout') return 'timeout';
    pending = undefined;
    if (result.done) {
      done = true;
      return 'done';
    }
    buffer += decoder.decode(result.value, { stream: true });
    return 'data';
  };

  return {
    /** The next line (without its newline). */
    async line(timeoutMs = 5000): Promise<string> {
      for (;;) {
        const at = buffer.indexOf('\n');
        if (at >= 0) {
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + 1);
          return line;
        }
        if (done) throw new Error(`stream ended; rest: ${buffer}`);
        if ((await fill(timeoutMs)) === 'timeout') {
          throw new Error(`no line within ${timeoutMs} ms; buffer: ${buffer}`);
        }
      }
    },
    /** The next event line, parsed. */
    async event(timeoutMs = 5000): Promise<WatchEvent['result']> {
      const parsed = JSON.parse(await this.line(timeoutMs)) as WatchEvent;
      return parsed.result;
    },
    /** Whatever arrives within `ms` (the stream is expected to stay quiet). */
    async quiet(ms: number): Promise<string> {
      const deadline = Date.now() + ms;
      while (!done && Date.now() < deadline) {
        if ((await fill(Math.max(1, deadline - Date.now()))) === 'timeout')
          break;
      }
      return buffer;
    },
    /** Reads to the end: the unread text, and the error that ended it, if any. */
    async rest(timeoutMs = 5000): Promise<{ text: string; error?: unknown }> {
      try {
        while (!done) {
          if ((await fill(timeoutMs)) === 'timeout') {
            throw new Error(`stream did not end; buffer: ${buffer}`);
          }
        }
        return { text: buffer };
      } catch (error) {
        return { text: buffer, error };
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

interface OpenStream {
  response: Response;
  lines: ReturnType<typeof lineReader>;
  abort(): void;
}

/** Opens the stream; resolves when its headers arrive (with its first line). */
async function openStream(
  sandbox: ArgoCdSandbox,
  query = '',
  options: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<OpenStream> {
  const controller = new AbortController();
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(`${sandbox.url}${STREAM}${query}`, {
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    },
    signal: controller.signal,
  });
  return {
    response,
    lines: lineReader(response.body!),
    abort: () => controller.abort(),
  };
}

async function eventually(check: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

describe('GET /api/v1/stream/applications', () => {
  let sandbox: ArgoCdSandbox;
  const opened: OpenStream[] = [];

  const watch = async (
    query = '',
    options: { token?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const stream = await openStream(sandbox, query, options);
    opened.push(stream);
    return stream;
  };

  const control = async (path: string, body: unknown) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeEach(async () => {
    sandbox = await startArgoCdSandbox({
      name: 'stream',
      token: TOKEN,
      syncDurationMs: SYNC_MS,
      streamKeepaliveMs: 100,
      projectTokens: { [VIEWER]: 'proj:team-x:viewer' },
    });
    await call(sandbox, 'POST', '/api/v1/projects', {
      project: {
        metadata: { name: 'team-x' },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ server: '*', namespace: '*' }],
          clusterResourceWhitelist: [{ group: '*', kind: '*' }],
          roles: [
            {
              name: 'viewer',
              policies: [
                'p, proj:team-x:viewer, applications, get, team-x/*, allow',
              ],
            },
          ],
        },
      },
    });
    for (const app of [
      application('charlie', { team: 'b' }),
      application('alpha', { team: 'a' }),
      application('bravo', { team: 'a' }, { project: 'team-x' }),
    ]) {
      const created = await call(sandbox, 'POST', '/api/v1/applications', app);
      if (created.status !== 200) {
        throw new Error(`creating ${app.metadata.name}: ${created.status}`);
      }
    }
  });

  afterEach(async () => {
    for (const stream of opened.splice(0)) stream.abort();
    sandbox.setStreamMode('none');
    await sandbox.close();
  });

  it('first sends every Application as ADDED, sorted, with GET’s shape and resourceVersion', async () => {
    const stream = await watch();
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe(
      'application/json',
    );
    expect(stream.response.headers.get('grpc-metadata-content-type')).toBe(
      'application/grpc',
    );
    const first = await stream.lines.line();
    expect(first.startsWith('{"result":{"type":"ADDED","application":{')).toBe(
      true,
    );
    const events = [
      (JSON.parse(first) as WatchEvent).result,
      await stream.lines.event(),
      await stream.lines.event(),
    ];
    expect(events.map(e => [e.type, e.application.metadata.name])).toEqual([
      ['ADDED', 'alpha'],
      ['ADDED', 'bravo'],
      ['ADDED', 'charlie'],
    ]);
    const alpha = await call<Application>(
      sandbox,
      'GET',
      '/api/v1/applications/alpha',
    );
    expect(events[0].application).toEqual(alpha.body);
    expect(events[0].application.metadata.resourceVersion).toBe(
      alpha.body.metadata.resourceVersion,
    );
    // No keep-alive on a plain JSON stream (the sandbox's is 100 ms for SSE).
    expect(await stream.lines.quiet(300)).toBe('');
  });

  it('sends a sync as MODIFIED events in order, ending Synced/Healthy', async () => {
    const stream = await watch('?name=alpha');
    expect((await stream.lines.event()).type).toBe('ADDED');
    const sync = await call<Application>(
      sandbox,
      'POST',
      '/api/v1/applications/alpha/sync',
      {},
    );
    expect(sync.status).toBe(200);
    const events: Array<WatchEvent['result']> = [];
    for (;;) {
      const event = await stream.lines.event();
      events.push(event);
      if (event.application.status?.operationState?.phase !== 'Running') break;
    }
    expect(events.every(e => e.type === 'MODIFIED')).toBe(true);
    expect(
      events.map(e => [
        e.application.status?.operationState?.phase,
        e.application.status?.operationState?.message,
        e.application.status?.health.status,
        e.application.status?.sync.status,
      ]),
    ).toEqual([
      ['Running', 'one or more tasks are running', 'Progressing', 'OutOfSync'],
      [
        'Running',
        expect.stringMatching(/^waiting for healthy state of /),
        'Progressing',
        'OutOfSync',
      ],
      ['Succeeded', 'successfully synced (all tasks run)', 'Healthy', 'Synced'],
    ]);
    expect(events[0].application.metadata.resourceVersion).toBe(
      sync.body.metadata.resourceVersion,
    );
    const versions = events.map(e =>
      Number(e.application.metadata.resourceVersion),
    );
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
    const now = await call<Application>(
      sandbox,
      'GET',
      '/api/v1/applications/alpha',
    );
    expect(events[events.length - 1].application).toEqual(now.body);
    expect(await stream.lines.quiet(200)).toBe('');
  });

  it('sends DELETED, at once or when a cascading delete completes', async () => {
    const stream = await watch('?selector=team%3Da');
    await stream.lines.event();
    await stream.lines.event();
    expect(
      (await call(sandbox, 'DELETE', '/api/v1/applications/alpha')).status,
    ).toBe(200);
    const deleted = await stream.lines.event();
    expect(deleted.type).toBe('DELETED');
    expect(deleted.application.metadata.name).toBe('alpha');

    // A deployed Application with the resources finalizer goes in two steps.
    await call(
      sandbox,
      'POST',
      '/api/v1/applications',
      application('delta', { team: 'a' }, {}, [
        'resources-finalizer.argocd.argoproj.io',
      ]),
    );
    expect((await stream.lines.event()).type).toBe('ADDED');
    await call(sandbox, 'POST', '/api/v1/applications/delta/sync', {});
    let event = await stream.lines.event();
    while (event.application.status?.operationState?.phase === 'Running')
      event = await stream.lines.event();
    await call(sandbox, 'DELETE', '/api/v1/applications/delta');
    const marked = await stream.lines.event();
    expect(marked.type).toBe('MODIFIED');
    expect(marked.application.metadata.deletionTimestamp).toEqual(
      expect.any(String),
    );
    const gone = await stream.lines.event(SYNC_MS * 5);
    expect(gone.type).toBe('DELETED');
    expect(gone.application.metadata.name).toBe('delta');
    expect(Number(gone.application.metadata.resourceVersion)).toBeGreaterThan(
      Number(marked.application.metadata.resourceVersion),
    );
  });

  it('with a resourceVersion sends no initial events, only newer changes (and no headers before the first)', async () => {
    const list = await call<{ metadata: { resourceVersion: string } }>(
      sandbox,
      'GET',
      '/api/v1/applications',
    );
    const version = list.body.metadata.resourceVersion;
    let headers = false;
    const pending = openStream(sandbox, `?resourceVersion=${version}`).then(
      stream => {
        headers = true;
        opened.push(stream);
        return stream;
      },
    );
    await new Promise(resolve => setTimeout(resolve, 300));
    // Like grpc-gateway: the head goes out with the first event.
    expect(headers).toBe(false);
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/charlie',
      application('charlie', { team: 'b', changed: 'yes' }),
    );
    const stream = await pending;
    const event = await stream.lines.event();
    expect(event.type).toBe('MODIFIED');
    expect(event.application.metadata.name).toBe('charlie');
    expect(event.application.metadata.labels).toEqual({
      team: 'b',
      changed: 'yes',
    });
    expect(Number(event.application.metadata.resourceVersion)).toBeGreaterThan(
      Number(version),
    );

    // With a name, the named Application is sent even with a resourceVersion,
    // but still only at a version >= it.
    const named = await watch(`?name=alpha&resourceVersion=1`);
    const alpha = await named.lines.event();
    expect([alpha.type, alpha.application.metadata.name]).toEqual([
      'ADDED',
      'alpha',
    ]);
  });

  it('filters by selector, projects and name (appNamespace only with name)', async () => {
    const byLabel = await watch('?selector=team%3Da');
    const byProject = await watch('?projects=team-x');
    const byName = await watch('?name=charlie&appNamespace=argocd');
    const ignoredNamespace = await watch('?appNamespace=elsewhere');
    expect((await byLabel.lines.event()).application.metadata.name).toBe(
      'alpha',
    );
    expect((await byLabel.lines.event()).application.metadata.name).toBe(
      'bravo',
    );
    expect((await byProject.lines.event()).application.metadata.name).toBe(
      'bravo',
    );
    expect((await byName.lines.event()).application.metadata.name).toBe(
      'charlie',
    );
    for (let i = 0; i < 3; i++) await ignoredNamespace.lines.event();

    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/charlie',
      application('charlie', { team: 'b', v: '2' }),
    );
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/bravo',
      application('bravo', { team: 'a', v: '2' }, { project: 'team-x' }),
    );
    const label = await byLabel.lines.event();
    expect([label.type, label.application.metadata.name]).toEqual([
      'MODIFIED',
      'bravo',
    ]);
    expect((await byProject.lines.event()).application.metadata.name).toBe(
      'bravo',
    );
    expect((await byName.lines.event()).application.metadata.name).toBe(
      'charlie',
    );
    expect(await byName.lines.quiet(150)).toBe('');

    // Nothing matches: no events, so not even headers.
    const controller = new AbortController();
    const wrongNamespace = fetch(
      `${sandbox.url}${STREAM}?name=charlie&appNamespace=other`,
      {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: controller.signal,
      },
    ).then(
      () => 'headers',
      () => 'aborted',
    );
    await new Promise(resolve => setTimeout(resolve, 200));
    controller.abort();
    expect(await wrongNamespace).toBe('aborted');
  });

  it('sends only the Applications a project-scoped token may get', async () => {
    const stream = await watch('', { token: VIEWER });
    const first = await stream.lines.event();
    expect(first.application.metadata.name).toBe('bravo');
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/alpha',
      application('alpha', { team: 'a', v: '2' }),
    );
    expect(await stream.lines.quiet(200)).toBe('');
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/bravo',
      application('bravo', { team: 'a', v: '2' }, { project: 'team-x' }),
    );
    const change = await stream.lines.event();
    expect([change.type, change.application.metadata.name]).toEqual([
      'MODIFIED',
      'bravo',
    ]);
  });

  it('refuses without a token, and on failure modes, in the stream’s error format', async () => {
    const anonymous = await fetch(`${sandbox.url}${STREAM}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/json');
    expect(await anonymous.text()).toBe(
      '{"error":{"grpc_code":16,"http_code":401,"message":"no session information","http_status":"Unauthorized"}}',
    );

    const badSelector = await fetch(`${sandbox.url}${STREAM}?selector=a%20b`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(badSelector.status).toBe(500);
    const body = JSON.parse(await badSelector.text());
    expect(body.error).toEqual(
      expect.objectContaining({ grpc_code: 2, http_code: 500 }),
    );
    expect(body.error.message).toMatch(
      /^error parsing labels with selectors: /,
    );

    sandbox.setFailureMode('http500');
    const failing = await fetch(`${sandbox.url}${STREAM}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(failing.status).toBe(500);
    expect(await failing.text()).toBe(
      '{"error":{"grpc_code":13,"http_code":500,"message":"sandbox failure mode http500: simulated internal error","http_status":"Internal Server Error"}}',
    );
    sandbox.setFailureMode('down');
    await expect(
      fetch(`${sandbox.url}${STREAM}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    ).rejects.toThrow();
    sandbox.setFailureMode('none');

    const post = await call(sandbox, 'POST', STREAM, {});
    expect(post.status).toBe(405);
  });

  it('stall: open streams stop writing, new ones stall after their initial events', async () => {
    const before = await watch('?selector=team%3Db');
    expect((await before.lines.event()).type).toBe('ADDED');
    expect(await control('/sandbox/stream', { mode: 'stall' })).toEqual({
      status: 200,
      body: { mode: 'stall' },
    });
    expect(sandbox.streamMode).toBe('stall');
    const during = await watch('?selector=team%3Db');
    expect((await during.lines.event()).type).toBe('ADDED');
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/charlie',
      application('charlie', { team: 'b', v: 'lost' }),
    );
    expect(await before.lines.quiet(300)).toBe('');
    expect(await during.lines.quiet(50)).toBe('');
    expect(sandbox.streams.open).toBe(2);

    await control('/sandbox/stream', { mode: 'none' });
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/charlie',
      application('charlie', { team: 'b', v: 'seen' }),
    );
    for (const stream of [before, during]) {
      const event = await stream.lines.event();
      expect(event.application.metadata.labels?.v).toBe('seen');
    }
  });

  it('drop: destroys every open stream after a partial line', async () => {
    const one = await watch();
    const two = await watch('?name=alpha');
    for (let i = 0; i < 3; i++) await one.lines.event();
    await two.lines.event();
    expect(sandbox.streams).toEqual({ open: 2, opened: 2, subscribers: 2 });
    // Read while the drop happens: a fetch body that errors discards what
    // it had queued and not yet handed out.
    const rests = [one, two].map(stream => stream.lines.rest());
    expect(await control('/sandbox/stream', { mode: 'drop' })).toEqual({
      status: 200,
      body: { mode: 'none', dropped: 2 },
    });
    for (const { text, error } of await Promise.all(rests)) {
      expect(String(error)).toMatch(/terminated/);
      expect(text.startsWith('{"result":{"type":"ADDED"')).toBe(true);
      expect(text.includes('\n')).toBe(false);
      expect(() => JSON.parse(text)).toThrow();
    }
    expect(sandbox.streams).toEqual({ open: 0, opened: 2, subscribers: 0 });
    expect(sandbox.dropStreams()).toBe(0);
  });

  it('too-old: a stream with a resourceVersion gets one error line and ends', async () => {
    sandbox.setStreamMode('too-old');
    const current = Number(
      (
        await call<{ metadata: { resourceVersion: string } }>(
          sandbox,
          'GET',
          '/api/v1/applications',
        )
      ).body.metadata.resourceVersion,
    );
    const refused = await watch('?resourceVersion=5');
    expect(refused.response.status).toBe(400);
    expect(refused.response.headers.get('content-type')).toBe(
      'application/json',
    );
    expect(await refused.lines.rest()).toEqual({
      text: `{"error":{"grpc_code":11,"http_code":400,"message":"too old resource version: 5 (${current})","http_status":"Bad Request"}}`,
    });
    // Without a resourceVersion the stream is served.
    const fresh = await watch();
    expect((await fresh.lines.event()).type).toBe('ADDED');

    // With a retained window, only versions before it are too old.
    expect(
      await control('/sandbox/stream', {
        mode: 'too-old',
        oldestResourceVersion: current + 1,
      }),
    ).toEqual({ status: 200, body: { mode: 'too-old' } });
    const old = await watch(`?resourceVersion=${current - 1}`);
    expect(await old.lines.rest()).toEqual({
      text: `{"error":{"grpc_code":11,"http_code":400,"message":"too old resource version: ${
        current - 1
      } (${current})","http_status":"Bad Request"}}`,
    });
    const resumed = openStream(sandbox, `?resourceVersion=${current}`);
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/alpha',
      application('alpha', { team: 'a', v: '2' }),
    );
    const stream = await resumed;
    opened.push(stream);
    expect((await stream.lines.event()).type).toBe('MODIFIED');
  });

  it('unsubscribes when clients disconnect, and counts stream requests apart', async () => {
    sandbox.requests.clear();
    const streams = [await watch(), await watch('?name=alpha'), await watch()];
    for (const stream of streams) await stream.lines.line();
    expect(sandbox.streams.open).toBe(3);
    expect(sandbox.streams.subscribers).toBe(3);
    streams[0].abort();
    await streams[1].lines.cancel();
    streams[2].abort();
    await eventually(() => sandbox.streams.subscribers === 0);
    expect(sandbox.streams.open).toBe(0);

    await call(sandbox, 'GET', '/api/v1/applications');
    const entries = sandbox.requests.entries;
    expect(entries.filter(e => e.stream).map(e => e.status)).toEqual([
      200, 200, 200,
    ]);
    expect(entries.filter(e => e.area === 'argocd' && !e.stream)).toEqual([
      {
        method: 'GET',
        path: '/api/v1/applications',
        area: 'argocd',
        status: 200,
      },
    ]);
    const info = await (await fetch(`${sandbox.url}/sandbox`)).json();
    expect(info).toEqual(
      expect.objectContaining({
        streamMode: 'none',
        streamRequests: 3,
        openStreams: 0,
      }),
    );
    // Changes with nobody watching cost nothing and break nothing.
    await call(sandbox, 'POST', '/api/v1/applications/alpha/sync', {});
    await new Promise(resolve => setTimeout(resolve, SYNC_MS + 100));
    expect(sandbox.streams.subscribers).toBe(0);
  });

  it('serves text/event-stream with data: frames and a keep-alive', async () => {
    const stream = await watch('?name=alpha', {
      headers: { accept: 'text/event-stream' },
    });
    expect(stream.response.headers.get('content-type')).toBe(
      'text/event-stream',
    );
    expect(stream.response.headers.get('x-content-type-options')).toBe(
      'nosniff',
    );
    const data = await stream.lines.line();
    expect(data.startsWith('data: {"result":{"type":"ADDED"')).toBe(true);
    expect(data.endsWith('}} ')).toBe(true);
    expect(await stream.lines.line()).toBe('');
    expect(await stream.lines.line()).toBe('');
    expect(await stream.lines.line(1000)).toBe(':');
  });

  it('keeps only the requested fields, and sends nothing when they did not change', async () => {
    const stream = await watch(
      '?name=alpha&fields=result.type,result.application.metadata.name,result.application.status.health',
    );
    expect(await stream.lines.line()).toBe(
      '{"result":{"application":{"metadata":{"name":"alpha"},"status":{"health":{"status":"Missing"}}},"type":"ADDED"}}',
    );
    const quiet = await watch(
      '?name=alpha&fields=result.application.metadata.name',
    );
    expect(await quiet.lines.line()).toBe(
      '{"result":{"application":{"metadata":{"name":"alpha"}}}}',
    );
    await call(
      sandbox,
      'PUT',
      '/api/v1/applications/alpha',
      application('alpha', { team: 'a', v: '2' }),
    );
    expect(await stream.lines.line()).toBe(
      '{"result":{"application":{"metadata":{"name":"alpha"},"status":{"health":{"status":"Missing"}}},"type":"MODIFIED"}}',
    );
    // Same selected bytes as the last line for "alpha": Argo CD sends nothing.
    expect(await quiet.lines.quiet(200)).toBe('');
  });
});
