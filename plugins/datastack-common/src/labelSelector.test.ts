import { parseSelector, SelectorParseError } from './labelSelector';

describe('parseSelector', () => {
  const labels = {
    'datastack.io/component': 'trino',
    'datastack.io/pipeline': 'orders',
    tier: 'query',
  };

  it.each([
    ['', true],
    ['datastack.io/component=trino', true],
    ['datastack.io/component==trino,datastack.io/pipeline=orders', true],
    ['datastack.io/component!=trino', false],
    ['datastack.io/component in (kafka, trino)', true],
    ['datastack.io/component notin (kafka,trino)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing,datastack.io/pipeline=orders', true],
    ['datastack.io/pipeline=payments', false],
  ])('%s matches: %s', (text, expected) => {
    expect(parseSelector(text).matches(labels)).toBe(expected);
  });

  it('matches an Application without labels only by absence', () => {
    expect(parseSelector('!tier').matches(undefined)).toBe(true);
    expect(parseSelector('tier=query').matches(undefined)).toBe(false);
  });

  it.each(['a in (', 'a=b,', '=b', 'a in b'])(
    'refuses %s as Kubernetes does',
    text => {
      expect(() => parseSelector(text)).toThrow(SelectorParseError);
    },
  );
});
