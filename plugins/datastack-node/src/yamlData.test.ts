import {
  YamlDataError,
  assertPlainData,
  parseYamlData,
  parseYamlDocuments,
} from './yamlData';

describe('parseYamlData', () => {
  it('reads plain Helm values, anchors and aliases included', () => {
    expect(
      parseYamlData('a: &x { b: 1 }\nc: *x\nd: [1, "2", true, null]', 'values'),
    ).toEqual({ a: { b: 1 }, c: { b: 1 }, d: [1, '2', true, null] });
  });

  it.each([
    ['a: !!binary aGVsbG8=', /values uses the YAML tag !!binary/],
    ['a: !!set {x, y}', /values uses the YAML tag !!set/],
    ['a: !!js/function "f(){}"', /values is not valid YAML: Unresolved tag/],
    ['a: !!timestamp 2020-01-01', /values uses the YAML tag !!timestamp/],
    ['a: !custom 1', /values is not valid YAML: Unresolved tag: !custom/],
    ['a: &x { b: *x }', /alias that refers to its own anchor/],
    ['a: 1\na: 2', /values is not valid YAML: Map keys must be unique/],
    ['a: [1', /values is not valid YAML/],
  ])('refuses %j', (text, message) => {
    expect(() => parseYamlData(text, 'values')).toThrow(YamlDataError);
    expect(() => parseYamlData(text, 'values')).toThrow(message);
  });

  it('refuses a billion-laughs file quickly instead of expanding it', () => {
    const lines = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(() => parseYamlData(lines.join('\n'), 'values')).toThrow(
      /at most 100 alias expansions/,
    );
  });

  it('limits the number of documents and the length', () => {
    expect(() => parseYamlData('a: 1\n---\nb: 2', 'values')).toThrow(
      /holds 2 YAML documents; at most 1/,
    );
    expect(parseYamlDocuments('a: 1\n---\nb: 2', 'file.yaml')).toEqual([
      { a: 1 },
      { b: 2 },
    ]);
    expect(() => parseYamlData('a: 1', 'values', { maxLength: 3 })).toThrow(
      /at most 3 are accepted/,
    );
  });
});

describe('assertPlainData', () => {
  it('accepts JSON-like values', () => {
    expect(() =>
      assertPlainData({ a: [1, 'x', null, { b: false }] }, 'values'),
    ).not.toThrow();
  });

  it('refuses cycles, sets, dates and infinities, naming the path', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => assertPlainData(cyclic, 'values')).toThrow(/own anchor/);
    expect(() => assertPlainData({ a: new Set([1]) }, 'values')).toThrow(
      /values.a is not plain data \(a Set\)/,
    );
    expect(() => assertPlainData({ a: [new Date()] }, 'values')).toThrow(
      /values.a\[0\] is not plain data/,
    );
    expect(() => assertPlainData({ a: Infinity }, 'values')).toThrow(
      /values.a must be a finite number/,
    );
  });
});
