import { gunzipSync } from 'node:zlib';
import { PreparedAnswers } from './PreparedAnswers';

describe('PreparedAnswers', () => {
  it('builds once per key within its age, for concurrent callers too', async () => {
    let now = 0;
    const answers = new PreparedAnswers({ maxAgeMs: 1_000, now: () => now });
    const build = jest.fn(async () => ({ status: 'healthy', n: 1 }));
    const [a, b] = await Promise.all([
      answers.get('k', build),
      answers.get('k', build),
    ]);
    expect(a).toBe(b);
    expect(build).toHaveBeenCalledTimes(1);
    expect(JSON.parse(a.body.toString('utf8'))).toEqual({
      status: 'healthy',
      n: 1,
    });
    expect(JSON.parse(gunzipSync(a.gzip).toString('utf8'))).toEqual({
      status: 'healthy',
      n: 1,
    });
    expect(a.gzip).toBe(a.gzip);
    now = 999;
    await answers.get('k', build);
    expect(build).toHaveBeenCalledTimes(1);
    now = 1_000;
    await answers.get('k', build);
    expect(build).toHaveBeenCalledTimes(2);
  });

  it('gives a strong ETag that changes with the body', async () => {
    const answers = new PreparedAnswers({ maxAgeMs: 1_000 });
    const one = await answers.get('a', async () => ({ v: 1 }));
    const same = await answers.get('b', async () => ({ v: 1 }));
    const two = await answers.get('c', async () => ({ v: 2 }));
    expect(one.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(same.etag).toBe(one.etag);
    expect(two.etag).not.toBe(one.etag);
  });

  it('keeps no failed build', async () => {
    const answers = new PreparedAnswers({ maxAgeMs: 60_000 });
    await expect(
      answers.get('k', async () => {
        throw new Error('Argo CD is down');
      }),
    ).rejects.toThrow('Argo CD is down');
    await expect(answers.get('k', async () => ({ ok: true }))).resolves.toBe(
      await answers.get('k', async () => ({ ok: false })),
    );
  });

  it('forgets by prefix, and stays within its size', async () => {
    const answers = new PreparedAnswers({ maxAgeMs: 60_000, maxEntries: 2 });
    const build = jest.fn(async () => ({}));
    await answers.get('component:default/a\0e1', build);
    answers.forget('component:default/a\0');
    await answers.get('component:default/a\0e1', build);
    expect(build).toHaveBeenCalledTimes(2);
    await answers.get('b', build);
    await answers.get('c', build);
    // a was the oldest: it went to make room.
    await answers.get('component:default/a\0e1', build);
    expect(build).toHaveBeenCalledTimes(5);
  });

  it('keeps nothing when its age is 0', async () => {
    const answers = new PreparedAnswers({ maxAgeMs: 0 });
    const build = jest.fn(async () => ({}));
    await answers.get('k', build);
    await answers.get('k', build);
    expect(build).toHaveBeenCalledTimes(2);
  });
});
