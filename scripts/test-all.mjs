#!/usr/bin/env node
// The whole test suite, once: type check, API reports, lint, formatting, unit and
// integration tests (jest through backstage-cli), then the end-to-end tests
// (node:test, real backend, real browser). Stops at the first failing step and
// ends with one line "N passed, N failed" counting every test that ran.
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, 'test-results');
await mkdir(results, { recursive: true });

const skipE2e = process.argv.includes('--no-e2e');
let passed = 0;
let failed = 0;

function run(title, command, args, env = {}) {
  return new Promise(resolve => {
    const started = Date.now();
    console.log(`\n::: ${title}: ${command} ${args.join(' ')}`);
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, CI: 'true', ...env },
    });
    child.on('close', code => {
      console.log(
        `::: ${title}: exit ${code} in ${(
          (Date.now() - started) /
          1000
        ).toFixed(1)} s`,
      );
      resolve(code ?? 1);
    });
  });
}

function finish(code) {
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(code);
}

for (const [title, args] of [
  // A full check: an incremental one can order inferred types differently,
  // and the API reports are made from its declarations.
  ['type check', ['tsc', '--incremental', 'false']],
  ['API reports', ['test:api-reports']],
  ['lint', ['lint:all']],
  ['formatting', ['prettier:check']],
]) {
  if ((await run(title, 'yarn', args)) !== 0) finish(1);
}

const jestJson = path.join(results, 'jest.json');
const unit = await run('unit and integration tests', 'yarn', [
  'backstage-cli',
  'repo',
  'test',
  '--json',
  `--outputFile=${jestJson}`,
]);
try {
  const report = JSON.parse(await readFile(jestJson, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
} catch {
  failed += 1;
}
if (unit !== 0) finish(1);

if (!skipE2e) {
  if (
    (await run('build the app for the end-to-end tests', 'yarn', [
      'workspace',
      'app',
      'build',
    ])) !== 0
  ) {
    finish(1);
  }
  const e2eReport = path.join(results, 'e2e.tap');
  const e2e = await run('end-to-end tests', 'node', [
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${e2eReport}`,
    'e2e/*.test.mjs',
  ]);
  try {
    const tap = await readFile(e2eReport, 'utf8');
    passed += Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
    failed += Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
    failed += Number(/^# cancelled (\d+)/m.exec(tap)?.[1] ?? 0);
  } catch {
    failed += 1;
  }
  if (e2e !== 0) finish(1);
}
finish(failed === 0 ? 0 : 1);
