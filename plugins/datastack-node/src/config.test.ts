import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import {
  DEFAULT_ARGOCD_TIMEOUT_MS,
  DEFAULT_ARGOCD_MAX_RESPONSE_BYTES,
  DatastackConfigError,
  readArgoCdConfig,
} from './config';

const CANARY = 'canary-s3cr3t-9f1c';

function read(argocd: JsonObject) {
  return readArgoCdConfig(new ConfigReader({ datastack: { argocd } }));
}

/** Returns what `fn` throws, failing when it does not throw. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('readArgoCdConfig', () => {
  it('reads a token instance and a password instance', () => {
    const config = read({
      requestTimeoutMs: 2500,
      instances: [
        {
          name: 'prod-eu',
          url: 'https://argocd.example.com/',
          uiUrl: 'https://argocd-ui.example.com//',
          token: CANARY,
        },
        {
          name: 'staging',
          url: 'http://argocd-server.argocd.svc:8080',
          username: 'backstage',
          password: CANARY,
        },
      ],
    });

    expect(config).toEqual({
      requestTimeoutMs: 2500,
      maxResponseBytes: DEFAULT_ARGOCD_MAX_RESPONSE_BYTES,
      instances: [
        {
          name: 'prod-eu',
          url: 'https://argocd.example.com',
          uiUrl: 'https://argocd-ui.example.com',
          auth: { type: 'token', token: CANARY },
        },
        {
          name: 'staging',
          url: 'http://argocd-server.argocd.svc:8080',
          uiUrl: 'http://argocd-server.argocd.svc:8080',
          auth: { type: 'password', username: 'backstage', password: CANARY },
        },
      ],
    });
  });

  it('keeps a path prefix and defaults uiUrl to the url without the slash', () => {
    const config = read({
      instances: [
        { name: 'prod', url: 'https://ops.example.com/argocd/', token: 't' },
      ],
    });
    expect(config.instances[0].url).toBe('https://ops.example.com/argocd');
    expect(config.instances[0].uiUrl).toBe('https://ops.example.com/argocd');
  });

  it('has no instances and the default timeout when nothing is configured', () => {
    expect(readArgoCdConfig(new ConfigReader({}))).toEqual({
      instances: [],
      requestTimeoutMs: DEFAULT_ARGOCD_TIMEOUT_MS,
      maxResponseBytes: DEFAULT_ARGOCD_MAX_RESPONSE_BYTES,
    });
    expect(DEFAULT_ARGOCD_TIMEOUT_MS).toBe(10_000);
  });

  it.each([
    ['upper case and underscore', 'Prod_EU'],
    ['a leading dash', '-prod'],
    ['a dot', 'prod.eu'],
    ['64 characters', 'a'.repeat(64)],
  ])('rejects an instance name with %s, naming the key', (_, name) => {
    const error = thrown(() =>
      read({
        instances: [
          { name: 'ok', url: 'https://a.example.com', token: 't' },
          { name, url: 'https://b.example.com', token: 't' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(DatastackConfigError);
    expect((error as DatastackConfigError).key).toBe(
      'datastack.argocd.instances[1].name',
    );
    expect(error.message).toContain('datastack.argocd.instances[1].name');
    expect(error.message).toContain(name);
  });

  it('accepts a 63 character name', () => {
    const name = 'a'.repeat(63);
    expect(
      read({ instances: [{ name, url: 'https://a.example.com', token: 't' }] })
        .instances[0].name,
    ).toBe(name);
  });

  it('rejects two instances of the same name', () => {
    const error = thrown(() =>
      read({
        instances: [
          { name: 'prod', url: 'https://a.example.com', token: 't' },
          { name: 'prod', url: 'https://b.example.com', token: 't' },
        ],
      }),
    );
    expect(error).toBeInstanceOf(DatastackConfigError);
    expect(error.message).toContain('datastack.argocd.instances[1].name');
    expect(error.message).toContain('"prod"');
  });

  it.each([
    ['url', { url: 'argocd.example.com' }, 'datastack.argocd.instances[0].url'],
    [
      'url',
      { url: 'ftp://argocd.example.com' },
      'datastack.argocd.instances[0].url',
    ],
    [
      'uiUrl',
      { url: 'https://argocd.example.com', uiUrl: 'not a url' },
      'datastack.argocd.instances[0].uiUrl',
    ],
  ])('rejects a %s that is not an http(s) URL', (_, urls, key) => {
    const error = thrown(() =>
      read({ instances: [{ name: 'prod', token: 't', ...urls }] }),
    );
    expect(error).toBeInstanceOf(DatastackConfigError);
    expect((error as DatastackConfigError).key).toBe(key);
    expect(error.message).toContain(key);
  });

  it.each([
    ['token and password', { username: 'backstage', password: CANARY }],
    ['token and username', { username: 'backstage' }],
  ])('rejects %s together without echoing the secret', (_, extra) => {
    const error = thrown(() =>
      read({
        instances: [
          {
            name: 'prod',
            url: 'https://argocd.example.com',
            token: CANARY,
            ...extra,
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(DatastackConfigError);
    expect(error.message).toContain('datastack.argocd.instances[0]');
    expect(error.message).toContain('not both');
    expect(error.message).not.toContain(CANARY);
  });

  it.each([
    ['neither token nor password', {}],
    ['a username without a password', { username: 'backstage' }],
    ['a password without a username', { password: CANARY }],
  ])('rejects an instance with %s', (_, auth) => {
    const error = thrown(() =>
      read({
        instances: [
          { name: 'prod', url: 'https://argocd.example.com', ...auth },
        ],
      }),
    );
    expect(error).toBeInstanceOf(DatastackConfigError);
    expect((error as DatastackConfigError).key).toBe(
      'datastack.argocd.instances[0]',
    );
    expect(error.message).toContain('needs a token');
    expect(error.message).not.toContain(CANARY);
  });

  it.each([0, -1, 1.5, 300_001])(
    'rejects requestTimeoutMs %p, naming the key',
    requestTimeoutMs => {
      const error = thrown(() => read({ requestTimeoutMs, instances: [] }));
      expect(error).toBeInstanceOf(DatastackConfigError);
      expect((error as DatastackConfigError).key).toBe(
        'datastack.argocd.requestTimeoutMs',
      );
      expect(error.message).toContain('datastack.argocd.requestTimeoutMs');
    },
  );

  it('rejects a requestTimeoutMs that is not a number, naming the key', () => {
    expect(() => read({ requestTimeoutMs: 'abc' })).toThrow(
      /datastack\.argocd\.requestTimeoutMs/,
    );
  });

  it('accepts the bounds of requestTimeoutMs', () => {
    expect(read({ requestTimeoutMs: 1 }).requestTimeoutMs).toBe(1);
    expect(read({ requestTimeoutMs: 300_000 }).requestTimeoutMs).toBe(300_000);
  });
});
