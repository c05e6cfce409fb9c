#!/usr/bin/env node
// yarn bench: runs every bench/*.bench.mjs in turn, prints each figure against
// its target, writes bench-results/results.json, and exits 1 when a target is
// missed. Figures are measured here, never asserted by the test suite.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv[2];
const files = (await readdir(path.join(root, 'bench')))
  .filter(f => f.endsWith('.bench.mjs') && (!only || f.includes(only)))
  .sort();

const results = [];
let missed = 0;
for (const file of files) {
  const bench = await import(
    pathToFileURL(path.join(root, 'bench', file)).href
  );
  process.stdout.write(`${bench.name} … `);
  const figures = await bench.run();
  const value = figures[bench.target.metric];
  const ok = value <= bench.target.max;
  if (!ok) missed++;
  console.log(
    `${ok ? 'ok' : 'MISSED'}: ${JSON.stringify(figures)} (target ${
      bench.target.metric
    } ≤ ${bench.target.max})`,
  );
  results.push({ file, name: bench.name, target: bench.target, figures, ok });
}
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(
  path.join(root, 'bench-results', 'results.json'),
  `${JSON.stringify(results, null, 2)}\n`,
);
process.exit(missed ? 1 : 0);
