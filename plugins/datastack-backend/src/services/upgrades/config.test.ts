import { ConfigReader } from '@backstage/config';
import { readUpgradesConfig } from './config';

const read = (upgrades: object) =>
  readUpgradesConfig(new ConfigReader({ datastack: { upgrades } }));

describe('readUpgradesConfig', () => {
  it('has defaults for everything', () => {
    expect(readUpgradesConfig(new ConfigReader({}))).toEqual({
      refreshMinutes: 60,
      requestTimeoutMs: 15_000,
      maxIndexBytes: 64 * 1024 * 1024,
      maxArchiveBytes: 16 * 1024 * 1024,
      maxValuesBytes: 8 * 1024 * 1024,
      maxYamlAliases: 100,
      concurrency: 4,
      ociMaxVersions: 20,
      maxCandidates: 20,
      cacheTtlMs: 60_000,
      repositories: [],
    });
  });

  it('reads mirrors and credentials', () => {
    expect(
      read({
        chartRepositories: [
          {
            url: 'https://trinodb.github.io/charts/',
            mirror: 'https://mirror.example.com/trino',
            token: 't0ken',
          },
          {
            url: 'oci://quay.io/strimzi-helm',
            mirror: 'oci://127.0.0.1:5000/strimzi-helm',
            plainHttp: true,
            username: 'u',
            password: 'p',
          },
        ],
      }).repositories,
    ).toEqual([
      {
        url: 'https://trinodb.github.io/charts',
        mirror: 'https://mirror.example.com/trino',
        plainHttp: false,
        auth: { type: 'bearer', token: 't0ken' },
      },
      {
        url: 'oci://quay.io/strimzi-helm',
        mirror: 'oci://127.0.0.1:5000/strimzi-helm',
        plainHttp: true,
        auth: { type: 'basic', username: 'u', password: 'p' },
      },
    ]);
  });

  it.each([
    [
      { maxIndexBytes: 0 },
      'datastack.upgrades.maxIndexBytes: must be a whole number between 1 and',
    ],
    [
      { refreshIntervalMinutes: 1.5 },
      'datastack.upgrades.refreshIntervalMinutes: must be a whole number',
    ],
    [{ requestTimeoutMs: -1 }, 'datastack.upgrades.requestTimeoutMs'],
    [
      { chartRepositories: [{ url: 'trinodb.github.io/charts' }] },
      'datastack.upgrades.chartRepositories[0].url: "trinodb.github.io/charts" is not a URL',
    ],
    [
      {
        chartRepositories: [
          { url: 'https://a.example.com', mirror: 'oci://b.example.com/x' },
        ],
      },
      'datastack.upgrades.chartRepositories[0].mirror: must be an http(s):// URL',
    ],
    [
      {
        chartRepositories: [
          { url: 'oci://quay.io/x', mirror: 'https://b.example.com/x' },
        ],
      },
      'datastack.upgrades.chartRepositories[0].mirror: must be an oci:// URL',
    ],
    [
      {
        chartRepositories: [
          {
            url: 'https://a.example.com',
            token: 't',
            username: 'u',
            password: 'p',
          },
        ],
      },
      'datastack.upgrades.chartRepositories[0]: set either token or username and password',
    ],
    [
      { concurrency: 0 },
      'datastack.upgrades.concurrency: must be a whole number',
    ],
    [
      { maxValuesBytes: 1.5 },
      'datastack.upgrades.maxValuesBytes: must be a whole number',
    ],
    [
      { maxYamlAliases: 100_000 },
      'datastack.upgrades.maxYamlAliases: must be a whole number between 1 and 10000',
    ],
    [
      { chartRepositories: [{ url: 'https://a.example.com', username: 'u' }] },
      'datastack.upgrades.chartRepositories[0]: username and password go together',
    ],
  ])('refuses %j naming the key', (upgrades, message) => {
    expect(() => read(upgrades)).toThrow(`Invalid configuration at ${message}`);
  });
});
