#!/usr/bin/env node
// yarn bench [name]: runs every bench/*.bench.mjs (or those whose file name
// contains `name`) in turn, prints each figure against its targets, writes
// bench-results/results.json, and exits 1 when a target is missed. Figures
// are measured here, never asserted by the test suite.
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
  console.log(`${bench.name} …`);
  const figures = await bench.run();
  const targets = (bench.targets ?? [bench.target]).map(t => ({
    ...t,
    value: figures[t.metric],
    ok: figures[t.metric] <= t.max,
  }));
  const ok = targets.every(t => t.ok);
  if (!ok) missed++;
  console.log(`  figures: ${JSON.stringify(figures)}`);
  for (const t of targets) {
    console.log(
      `  ${t.ok ? 'ok    ' : 'MISSED'} ${t.metric} = ${t.value} (target ≤ ${
        t.max
      })`,
    );
  }
  results.push({ file, name: bench.name, targets, figures, ok });
}
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(
  path.join(root, 'bench-results', 'results.json'),
  `${JSON.stringify(results, null, 2)}\n`,
);
process.exit(missed ? 1 : 0);
