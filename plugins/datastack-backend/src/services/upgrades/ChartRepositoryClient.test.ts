import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { HttpResponse, delay, http } from 'msw';
import { setupServer } from 'msw/node';
import { chartArchive, chartIndex } from './__testUtils__/charts';
import {
  ChartRepositoryClient,
  ChartRepositoryError,
} from './ChartRepositoryClient';
import { parseChartIndex, sliceChartEntry } from './chartIndex';

const REPO = 'https://trinodb.github.io/charts';
const MIRROR = 'https://mirror.example.com/trino';
const CANARY = 'canary-chart-token-77a1';

const trino = (version: string, extra: object = {}) => ({
  name: 'trino',
  version,
  appVersion: String(400 + Number(version.split('.')[1])),
  values: { server: { workers: 2 } },
  ...extra,
});

const index = chartIndex(
  [
    trino('1.42.2', {
      kubeVersion: '>=1.29.0-0',
      changes: [
        { kind: 'removed', description: 'server.legacyConfig' },
        { kind: 'added', description: 'coordinator.annotations' },
      ],
    }),
    trino('1.41.0', { deprecated: true }),
    trino('1.40.0'),
  ],
  { extraCharts: { 'trino-gateway': 3, 'aaa-before': 2 } },
);

const server = setupServer();
registerMswTestHooks(server);

function client(
  options: Partial<ConstructorParameters<typeof ChartRepositoryClient>[0]> = {},
) {
  return new ChartRepositoryClient({
    repositories: [],
    timeoutMs: 200,
    maxIndexBytes: 1024 * 1024,
    maxArchiveBytes: 1024 * 1024,
    ociMaxVersions: 20,
    ...options,
  });
}

const coordinates = { componentId: 'trino', repository: REPO, chart: 'trino' };

describe('parseChartIndex', () => {
  it('reads only the chart asked for, newest first, with absolute archive URLs', () => {
    const releases = parseChartIndex(index, {
      chart: 'trino',
      componentId: 'trino',
      indexUrl: `${REPO}/index.yaml`,
    });
    expect(releases.map(r => r.chartVersion)).toEqual([
      '1.42.2',
      '1.41.0',
      '1.40.0',
    ]);
    expect(releases[0]).toMatchObject({
      componentId: 'trino',
      appVersion: '442',
      kubeVersion: '>=1.29.0-0',
      deprecated: false,
      urls: [`${REPO}/trino-1.42.2.tgz`],
      breakingNotes: ['removed: server.legacyConfig'],
    });
    expect(releases[0].digest).toMatch(/^[0-9a-f]{64}$/);
    expect(releases[1].deprecated).toBe(true);
  });

  it('slices the entry out of the Helm layout without touching the other charts', () => {
    const slice = sliceChartEntry(index, 'trino')!;
    expect(slice).toContain('version: 1.42.2');
    expect(slice).not.toContain('trino-gateway');
    expect(slice).not.toContain('generated:');
    expect(sliceChartEntry(index, 'missing')).toBe('');
  });

  it.each([
    [
      'an indented list',
      'apiVersion: v1\nentries:\n  trino:\n    - version: 1.0.0\n      urls: [a.tgz]\n  other:\n    - version: 9.0.0\ngenerated: x\n',
    ],
    [
      'JSON',
      JSON.stringify({
        apiVersion: 'v1',
        entries: { trino: [{ version: '1.0.0', urls: ['a.tgz'] }] },
      }),
    ],
    [
      'flow style',
      'apiVersion: v1\nentries: {trino: [{version: 1.0.0, urls: [a.tgz]}]}\n',
    ],
  ])('reads %s', (_layout, text) => {
    expect(
      parseChartIndex(text, {
        chart: 'trino',
        componentId: 'trino',
        indexUrl: `${REPO}/index.yaml`,
      }).map(r => [r.chartVersion, r.urls[0]]),
    ).toEqual([['1.0.0', `${REPO}/a.tgz`]]);
  });

  it('skips removed and non-SemVer versions', () => {
    const text =
      'apiVersion: v1\nentries:\n  trino:\n  - version: 2.0.0\n    removed: true\n  - version: latest\n  - version: v1.2.3\n';
    expect(
      parseChartIndex(text, {
        chart: 'trino',
        componentId: 'trino',
        indexUrl: `${REPO}/index.yaml`,
      }).map(r => r.chartVersion),
    ).toEqual(['1.2.3']);
  });

  it('refuses a document that is not an index', () => {
    expect(() =>
      parseChartIndex('<html>502 Bad Gateway</html>', {
        chart: 'trino',
        componentId: 'trino',
        indexUrl: REPO,
      }),
    ).toThrow('no entries');
  });
});

describe('ChartRepositoryClient', () => {
  it('fetches the index from the mirror with its credentials, then revalidates with the ETag', async () => {
    const seen: Array<Record<string, string | null>> = [];
    server.use(
      http.get(`${MIRROR}/index.yaml`, ({ request }) => {
        seen.push({
          authorization: request.headers.get('authorization'),
          ifNoneMatch: request.headers.get('if-none-match'),
        });
        if (request.headers.get('if-none-match') === '"v7"') {
          return new HttpResponse(null, { status: 304 });
        }
        return new HttpResponse(index, {
          headers: {
            etag: '"v7"',
            'last-modified': 'Fri, 02 Oct 2026 08:00:00 GMT',
          },
        });
      }),
    );
    const c = client({
      repositories: [
        {
          url: REPO,
          mirror: MIRROR,
          plainHttp: false,
          auth: { type: 'bearer', token: CANARY },
        },
      ],
    });
    const first = await c.fetchReleases(coordinates);
    expect(first).toMatchObject({ status: 'ok', etag: '"v7"' });
    expect(first.status === 'ok' && first.releases[0].urls[0]).toBe(
      `${MIRROR}/trino-1.42.2.tgz`,
    );
    const second = await c.fetchReleases(coordinates, {
      etag: '"v7"',
      lastModified: 'Fri, 02 Oct 2026 08:00:00 GMT',
    });
    expect(second).toEqual({ status: 'not-modified' });
    expect(seen).toEqual([
      { authorization: `Bearer ${CANARY}`, ifNoneMatch: null },
      { authorization: `Bearer ${CANARY}`, ifNoneMatch: '"v7"' },
    ]);
  });

  it('sends credentials only to the repository host, not to a CDN the index points at', async () => {
    let cdnAuthorization: string | null = 'unset';
    server.use(
      http.get('https://cdn.example.com/trino-1.0.0.tgz', ({ request }) => {
        cdnAuthorization = request.headers.get('authorization');
        return HttpResponse.arrayBuffer(
          chartArchive(trino('1.0.0')).buffer as ArrayBuffer,
        );
      }),
    );
    const c = client({
      repositories: [
        {
          url: REPO,
          plainHttp: false,
          auth: { type: 'bearer', token: CANARY },
        },
      ],
    });
    const archive = await c.fetchArchive(coordinates, {
      componentId: 'trino',
      chartVersion: '1.0.0',
      deprecated: false,
      dependencies: [],
      urls: ['https://cdn.example.com/trino-1.0.0.tgz'],
      breakingNotes: [],
    });
    expect(archive.length).toBeGreaterThan(100);
    expect(cdnAuthorization).toBeNull();
  });

  it.each([
    [
      'a 500 with a body',
      () => HttpResponse.text('upstream exploded', { status: 500 }),
      {
        failure: 'http',
        message:
          'the index of https://trinodb.github.io/charts answered HTTP 500: upstream exploded',
      },
    ],
    [
      'a 404',
      () => new HttpResponse(null, { status: 404 }),
      { failure: 'not-found' },
    ],
    [
      'a hang past the timeout',
      async () => {
        await delay(2_000);
        return HttpResponse.text(index);
      },
      {
        failure: 'timeout',
        message:
          'the index of https://trinodb.github.io/charts did not answer within 200 ms',
      },
    ],
    [
      'garbage',
      () => HttpResponse.text('\u0000\u0001not: [yaml'),
      { failure: 'malformed' },
    ],
    [
      'an index without the chart',
      () =>
        HttpResponse.text(
          'apiVersion: v1\nentries:\n  other:\n  - version: 1.0.0\n',
        ),
      {
        failure: 'not-found',
        message:
          'the index of https://trinodb.github.io/charts has no versions of chart "trino"',
      },
    ],
    [
      'a gigantic file',
      () =>
        new HttpResponse(
          new ReadableStream({
            start(controller) {
              const chunk = new Uint8Array(256 * 1024).fill(32);
              for (let i = 0; i < 8; i++) controller.enqueue(chunk);
              controller.close();
            },
          }),
        ),
      { failure: 'too-large' },
    ],
    [
      'a declared length over the limit',
      () =>
        new HttpResponse('x', {
          headers: { 'content-length': String(50 * 1024 * 1024) },
        }),
      { failure: 'too-large' },
    ],
    [
      'a dropped connection',
      () => HttpResponse.error(),
      { failure: 'unreachable' },
    ],
  ])('reports %s as its own failure', async (_case, resolver, expected) => {
    server.use(http.get(`${REPO}/index.yaml`, resolver));
    const error = await client()
      .fetchReleases(coordinates)
      .catch(e => e);
    expect(error).toBeInstanceOf(ChartRepositoryError);
    expect(error).toMatchObject(expected);
  });

  it('refuses an index that redirects to another origin, without sending it the token', async () => {
    let seen: string | null = 'unset';
    server.use(
      http.get(
        `${MIRROR}/index.yaml`,
        () =>
          new HttpResponse(null, {
            status: 302,
            headers: { location: 'https://elsewhere.example.net/index.yaml' },
          }),
      ),
      http.get('https://elsewhere.example.net/index.yaml', ({ request }) => {
        seen = request.headers.get('authorization');
        return HttpResponse.text(index);
      }),
    );
    const error = await client({
      repositories: [
        {
          url: REPO,
          mirror: MIRROR,
          plainHttp: false,
          auth: { type: 'bearer', token: CANARY },
        },
      ],
    })
      .fetchReleases(coordinates)
      .catch(e => e);
    expect(error).toBeInstanceOf(ChartRepositoryError);
    expect(error.failure).toBe('unreachable');
    expect(error.message).toBe(
      'the index of https://trinodb.github.io/charts redirected to another origin (https://elsewhere.example.net), which is not followed',
    );
    expect(seen).toBe('unset');
  });

  it('follows an archive download to a CDN, without the credentials', async () => {
    let cdnAuthorization: string | null = 'unset';
    server.use(
      http.get(
        `${REPO}/trino-1.0.0.tgz`,
        () =>
          new HttpResponse(null, {
            status: 302,
            headers: { location: 'https://objects.example.net/trino.tgz' },
          }),
      ),
      http.get('https://objects.example.net/trino.tgz', ({ request }) => {
        cdnAuthorization = request.headers.get('authorization');
        return HttpResponse.arrayBuffer(
          chartArchive(trino('1.0.0')).buffer as ArrayBuffer,
        );
      }),
    );
    const archive = await client({
      repositories: [
        {
          url: REPO,
          plainHttp: false,
          auth: { type: 'bearer', token: CANARY },
        },
      ],
    }).fetchArchive(coordinates, {
      componentId: 'trino',
      chartVersion: '1.0.0',
      deprecated: false,
      dependencies: [],
      urls: [`${REPO}/trino-1.0.0.tgz`],
      breakingNotes: [],
    });
    expect(archive.length).toBeGreaterThan(100);
    expect(cdnAuthorization).toBeNull();
  });

  it('names the limit a too-large archive exceeds', async () => {
    server.use(
      http.get(
        `${REPO}/trino-1.0.0.tgz`,
        () =>
          new HttpResponse(new ReadableStream(), {
            headers: { 'content-length': String(2 * 1024 * 1024) },
          }),
      ),
    );
    const error = await client()
      .fetchArchive(coordinates, {
        componentId: 'trino',
        chartVersion: '1.0.0',
        deprecated: false,
        dependencies: [],
        urls: [`${REPO}/trino-1.0.0.tgz`],
        breakingNotes: [],
      })
      .catch(e => e);
    expect(error).toMatchObject({
      failure: 'too-large',
      message:
        'the trino 1.0.0 archive declared 2097152 bytes, more than the 1048576 allowed (datastack.upgrades.maxArchiveBytes)',
    });
  });

  describe('OCI', () => {
    const REGISTRY = 'https://quay.example.com';
    const API = `${REGISTRY}/v2/strimzi-helm/strimzi-kafka-operator`;
    const strimzi = {
      componentId: 'kafka',
      repository: 'oci://quay.example.com/strimzi-helm',
      chart: 'strimzi-kafka-operator',
    };
    const config = (version: string) => ({
      apiVersion: 'v2',
      name: 'strimzi-kafka-operator',
      version,
      appVersion: version,
      kubeVersion: version.startsWith('1.') ? '>=1.30.0-0' : undefined,
    });
    const digest = (what: string) => `sha256:${what.padEnd(64, '0')}`;

    function registry(options: { requireToken: boolean }) {
      const tokenRequests: string[] = [];
      const authed = (request: Request) =>
        !options.requireToken ||
        request.headers.get('authorization') === 'Bearer anon-token';
      const challenge = () =>
        HttpResponse.json(
          {
            errors: [
              {
                code: 'UNAUTHORIZED',
                message: 'access to the requested resource is not authorized',
                detail: [],
              },
            ],
          },
          {
            status: 401,
            headers: {
              'www-authenticate': `Bearer realm="${REGISTRY}/v2/auth",service="quay.example.com",scope="repository:strimzi-helm/strimzi-kafka-operator:pull"`,
            },
          },
        );
      server.use(
        http.get(`${REGISTRY}/v2/auth`, ({ request }) => {
          tokenRequests.push(new URL(request.url).search);
          return HttpResponse.json({ token: 'anon-token' });
        }),
        http.get(`${API}/tags/list`, ({ request }) => {
          if (!authed(request)) return challenge();
          const last = new URL(request.url).searchParams.get('last');
          return last
            ? HttpResponse.json({
                name: 'strimzi-helm/strimzi-kafka-operator',
                tags: ['1.2.0', '1.0.0', 'sha256-abc.sig'],
              })
            : HttpResponse.json(
                {
                  name: 'strimzi-helm/strimzi-kafka-operator',
                  tags: ['0.48.0', '0.49.1', 'latest'],
                },
                {
                  headers: {
                    link: '</v2/strimzi-helm/strimzi-kafka-operator/tags/list?n=3&last=latest>; rel="next"',
                  },
                },
              );
        }),
        http.get(`${API}/manifests/:tag`, ({ request, params }) => {
          if (!authed(request)) return challenge();
          const tag = String(params.tag);
          return HttpResponse.json({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: {
              mediaType: 'application/vnd.cncf.helm.config.v1+json',
              digest: digest(`c${tag.replace(/\D/g, '')}`),
              size: 200,
            },
            layers: [
              {
                mediaType:
                  'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
                digest: digest(`l${tag.replace(/\D/g, '')}`),
                size: 9000,
              },
            ],
          });
        }),
        http.get(`${API}/blobs/:digest`, ({ request, params }) => {
          if (!authed(request)) return challenge();
          const d = String(params.digest);
          const version = ['1.2.0', '1.0.0', '0.49.1', '0.48.0'].find(
            v => digest(`c${v.replace(/\D/g, '')}`) === d,
          );
          return version
            ? HttpResponse.json(config(version))
            : HttpResponse.json(
                {
                  errors: [
                    {
                      code: 'BLOB_UNKNOWN',
                      message: 'blob unknown to registry',
                    },
                  ],
                },
                { status: 404 },
              );
        }),
      );
      return tokenRequests;
    }

    it('pages the tags, reads each Helm config blob, and takes the anonymous token once', async () => {
      const tokenRequests = registry({ requireToken: true });
      const result = await client().fetchReleases(strimzi);
      expect(result.status).toBe('ok');
      const releases = result.status === 'ok' ? result.releases : [];
      expect(releases.map(r => r.chartVersion)).toEqual([
        '1.2.0',
        '1.0.0',
        '0.49.1',
        '0.48.0',
      ]);
      expect(releases[0]).toMatchObject({
        componentId: 'kafka',
        kubeVersion: '>=1.30.0-0',
        urls: [`${API}/blobs/${digest('l120')}`],
      });
      expect(tokenRequests).toEqual([
        '?service=quay.example.com&scope=repository%3Astrimzi-helm%2Fstrimzi-kafka-operator%3Apull',
      ]);
    });

    it('keeps at most `concurrency` requests to the registry in flight', async () => {
      registry({ requireToken: false });
      let inFlight = 0;
      let most = 0;
      const counting: typeof fetch = async (...args) => {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          await delay(5);
          return await fetch(...args);
        } finally {
          inFlight--;
        }
      };
      const result = await client({
        concurrency: 2,
        fetch: counting,
      }).fetchReleases(strimzi);
      expect(result.status).toBe('ok');
      expect(most).toBe(2);
    });

    it('talks plain http to a mirror when told to, as helm --plain-http', async () => {
      let asked = '';
      server.use(
        http.get(
          'http://127.0.0.1:5000/v2/mirror/strimzi-kafka-operator/tags/list',
          ({ request }) => {
            asked = request.url;
            return HttpResponse.json({ tags: [] });
          },
        ),
      );
      const error = await client({
        repositories: [
          {
            url: strimzi.repository,
            mirror: 'oci://127.0.0.1:5000/mirror',
            plainHttp: true,
          },
        ],
      })
        .fetchReleases(strimzi)
        .catch(e => e);
      expect(asked).toBe(
        'http://127.0.0.1:5000/v2/mirror/strimzi-kafka-operator/tags/list?n=1000',
      );
      expect(error).toMatchObject({ failure: 'not-found' });
    });

    it('names the registry error of a failing manifest', async () => {
      server.use(
        http.get(`${API}/tags/list`, () =>
          HttpResponse.json({ tags: ['1.2.0'] }),
        ),
        http.get(`${API}/manifests/:tag`, () =>
          HttpResponse.json(
            {
              errors: [
                { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
              ],
            },
            { status: 404 },
          ),
        ),
      );
      await expect(client().fetchReleases(strimzi)).rejects.toThrow(
        'the manifest of strimzi-kafka-operator:1.2.0 answered HTTP 404: manifest unknown',
      );
    });
  });

  it('never puts a credential in an error message', async () => {
    server.use(
      http.get(`${MIRROR}/index.yaml`, ({ request }) =>
        HttpResponse.text(
          `denied for ${request.headers.get('x-nothing') ?? 'you'}`,
          { status: 403 },
        ),
      ),
    );
    const error = await client({
      repositories: [
        {
          url: REPO,
          mirror: MIRROR,
          plainHttp: false,
          auth: { type: 'basic', username: 'u', password: CANARY },
        },
      ],
    })
      .fetchReleases(coordinates)
      .catch(e => e);
    expect(error.message).toContain('HTTP 403');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(
      CANARY,
    );
  });
});
