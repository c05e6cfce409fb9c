import { jsonCache } from './__testUtils__/jsonCache';
import { CachedLoader } from './CachedLoader';

describe('CachedLoader', () => {
  afterEach(() => jest.useRealTimers());

  it('shares one load between concurrent callers and caches what it may', async () => {
    const cache = jsonCache();
    const loader = new CachedLoader<{ ok: boolean }>({
      cache,
      ttlMs: 1000,
      shouldCache: v => v.ok,
    });
    const fn = jest.fn(async () => ({ ok: true }));
    const [a, b] = await Promise.all([
      loader.load('k', fn),
      loader.load('k', fn),
    ]);
    expect(a).toBe(b);
    await loader.load('k', fn);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(cache.store.get('k')).toBe('{"ok":true}');
  });

  it('does not cache a failure', async () => {
    const loader = new CachedLoader<{ ok: boolean }>({
      cache: jsonCache(),
      ttlMs: 1000,
      shouldCache: v => v.ok,
    });
    const fn = jest.fn(async () => ({ ok: false }));
    await loader.load('k', fn);
    await loader.load('k', fn);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('reads the shared cache once a local copy has expired, and forgets on invalidate', async () => {
    jest.useFakeTimers({ now: 0 });
    const cache = jsonCache();
    const loader = new CachedLoader<{ n: number }>({
      cache,
      ttlMs: 1000,
      shouldCache: () => true,
    });
    await loader.load('k', async () => ({ n: 1 }));
    // Another replica refreshed the shared entry.
    cache.store.set('k', '{"n":2}');
    expect(await loader.load('k', async () => ({ n: 3 }))).toEqual({ n: 1 });
    jest.setSystemTime(1001);
    expect(await loader.load('k', async () => ({ n: 3 }))).toEqual({ n: 2 });
    await loader.invalidate('k');
    expect(await loader.load('k', async () => ({ n: 3 }))).toEqual({ n: 3 });
  });
});
