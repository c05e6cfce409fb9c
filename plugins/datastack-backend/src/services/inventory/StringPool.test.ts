import { StringPool } from './StringPool';

describe('StringPool', () => {
  it('parses JSON as JSON.parse does, one copy of each short string', () => {
    const pool = new StringPool();
    const text = JSON.stringify({
      a: [{ status: 'Synced' }, { status: 'Synced' }],
      n: 3,
      t: true,
      z: null,
      long: 'x'.repeat(300),
    });
    const parsed = pool.parse(text);
    expect(parsed).toEqual(JSON.parse(text));
    // 'Synced' is held once; the long string is not pooled.
    expect(pool.size).toBe(1);
    expect(pool.intern('Synced')).toBe('Synced');
  });

  it('stops adding at its size and still answers', () => {
    const pool = new StringPool(2);
    pool.intern('a');
    pool.intern('b');
    expect(pool.intern('c')).toBe('c');
    expect(pool.size).toBe(2);
  });
});
