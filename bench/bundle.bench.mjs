// The Datastack frontend's share of the app's initial JavaScript: the code of
// plugins/datastack (and of plugins/datastack-common that it pulls in) that a
// browser downloads before any lazy chunk, gzipped. Entity contents, the
// fleet page and the cards are lazy (`loader: () => import(…)`), so only the
// plugin's wiring, API client and predicates belong here.
//
// Method. The production app build (`yarn workspace app build`, rspack with
// `devtool: 'source-map'`) writes one `.map` per chunk whose `sources` name
// each module's file (`webpack://app/../../plugins/datastack/src/alpha.tsx`;
// workspace packages resolve to their real paths, not node_modules links).
// 1. The initial chunks are the `<script src>` of dist/index.html: the
//    HTML plugin injects exactly the entry's initial chunks there, and every
//    other file under dist/static is loaded on demand.
// 2. Each chunk's source map is decoded (Base64 VLQ, no library): every
//    mapping starts a segment of generated code that runs to the next mapping
//    on the line (or the line's end), and belongs to the mapping's source.
//    Runtime glue between modules has no source and counts for nobody.
// 3. The segments whose source lies in plugins/datastack/src or
//    plugins/datastack-common/src are concatenated per package and gzipped
//    (level 9). Gzipping only those bytes gives what the plugin adds to the
//    download, give or take the context it would share with its neighbours.
// The same figures for the lazy chunks are reported for information.
//
// A dist newer than every source of the app and of both packages is reused;
// otherwise the app is built once (about 30 s on 2 cores).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const name = 'Datastack code in the app’s initial chunks (gzip)';
export const targets = [{ metric: 'initial gzip KB', max: 60 }];

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'packages/app/dist');
const PACKAGES = {
  plugin: /(^|\/)plugins\/datastack\/src\//,
  common: /(^|\/)plugins\/datastack-common\/src\//,
};
const SOURCE_DIRS = [
  'packages/app/src',
  'packages/app/package.json',
  'plugins/datastack/src',
  'plugins/datastack/package.json',
  'plugins/datastack-common/src',
  'plugins/datastack-common/package.json',
  'app-config.yaml',
];

async function newestMtime(target) {
  const info = await stat(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    newest = Math.max(newest, await newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

async function ensureBuilt() {
  const html = path.join(dist, 'index.html');
  if (existsSync(html)) {
    const built = (await stat(html)).mtimeMs;
    const sources = Math.max(
      ...(await Promise.all(
        SOURCE_DIRS.map(d => newestMtime(path.join(root, d))),
      )),
    );
    if (built > sources) return { rebuilt: false };
  }
  const result = spawnSync('yarn', ['workspace', 'app', 'build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  if (result.status !== 0) {
    throw new Error(`yarn workspace app build exited ${result.status}`);
  }
  return { rebuilt: true };
}

const BASE64 =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's Base64 VLQ fields. */
function decodeSegment(segment) {
  const fields = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`bad VLQ digit ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

/**
 * Splits generated code into per-source text, following the source map:
 * answers `{ [sourceIndex]: string[] }` of the generated segments.
 */
function attribute(code, map) {
  const lines = code.split('\n');
  const parts = new Map();
  let source = 0;
  map.mappings.split(';').forEach((lineMappings, lineIndex) => {
    const line = lines[lineIndex] ?? '';
    let column = 0;
    const starts = [];
    for (const segment of lineMappings.split(',')) {
      if (!segment) continue;
      const fields = decodeSegment(segment);
      column += fields[0];
      if (fields.length >= 4) {
        source += fields[1];
        starts.push({ column, source });
      } else {
        starts.push({ column, source: -1 });
      }
    }
    starts.forEach((s, i) => {
      if (s.source < 0) return;
      const end = i + 1 < starts.length ? starts[i + 1].column : line.length;
      const text = line.slice(s.column, end);
      if (!parts.has(s.source)) parts.set(s.source, []);
      parts.get(s.source).push(text);
    });
  });
  return parts;
}

async function measure(files) {
  const byPackage = { plugin: [], common: [] };
  const modules = { plugin: new Set(), common: new Set() };
  for (const file of files) {
    const code = await readFile(file, 'utf8');
    const mapFile = `${file}.map`;
    if (!existsSync(mapFile)) {
      // Chunks of empty modules (`{19096(){}}`) get no map and hold no code.
      if (!code.includes('sourceMappingURL=')) continue;
      throw new Error(`${path.relative(root, mapFile)} is missing`);
    }
    const map = JSON.parse(await readFile(mapFile, 'utf8'));
    for (const [index, texts] of attribute(code, map)) {
      const source = map.sources[index] ?? '';
      for (const [pkg, pattern] of Object.entries(PACKAGES)) {
        if (pattern.test(source)) {
          byPackage[pkg].push(...texts);
          modules[pkg].add(source.replace(/^.*?(plugins\/)/, '$1'));
        }
      }
    }
  }
  const sizes = {};
  for (const pkg of Object.keys(PACKAGES)) {
    const text = byPackage[pkg].join('');
    sizes[pkg] = {
      raw: Buffer.byteLength(text),
      gzip: text ? gzipSync(text, { level: 9 }).length : 0,
      modules: [...modules[pkg]].sort(),
    };
  }
  const both = [...byPackage.plugin, ...byPackage.common].join('');
  sizes.gzip = both ? gzipSync(both, { level: 9 }).length : 0;
  return sizes;
}

const kb = bytes => Number((bytes / 1024).toFixed(1));

export async function run() {
  const { rebuilt } = await ensureBuilt();
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)].map(
    m => path.join(dist, m[1].replace(/^.*?\/?(static\/)/, '$1')),
  );
  if (initial.length === 0) {
    throw new Error('dist/index.html names no script');
  }
  const all = (await readdir(path.join(dist, 'static')))
    .filter(f => f.endsWith('.js'))
    .map(f => path.join(dist, 'static', f));
  const lazy = all.filter(f => !initial.includes(f));

  const first = await measure(initial);
  const later = await measure(lazy);
  if (later.plugin.modules.length === 0) {
    throw new Error(
      'no plugins/datastack module in any chunk: the source maps do not name it, so nothing was measured',
    );
  }
  return {
    'initial gzip KB': kb(first.gzip),
    'initial plugin gzip KB': kb(first.plugin.gzip),
    'initial common gzip KB': kb(first.common.gzip),
    'initial raw KB': kb(first.plugin.raw + first.common.raw),
    'initial modules': [...first.plugin.modules, ...first.common.modules]
      .length,
    'lazy gzip KB': kb(later.gzip),
    'lazy modules': later.plugin.modules.length + later.common.modules.length,
    'initial chunks': initial.length,
    rebuilt,
    'initial module list': [
      ...first.plugin.modules,
      ...first.common.modules,
    ].join(' '),
  };
}
