import { execFileSync } from 'node:child_process';

// @kubernetes-models/argo-cd ships ES modules only; jest runs CommonJS. The
// validation runs in a child Node process that imports the real package.
const script = `
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const errors = [];
for (const app of JSON.parse(input)) {
  try {
    new Application(app).validate();
  } catch (error) {
    errors.push(app.metadata.name + ': ' + error.message);
  }
}
process.stdout.write(JSON.stringify(errors));
`;

/**
 * Validates Applications against the Argo CD Application CRD schema of
 * @kubernetes-models/argo-cd. Returns one message per invalid Application.
 */
export function validateApplications(applications: unknown[]): string[] {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '--eval', script],
    { input: JSON.stringify(applications), cwd: __dirname, encoding: 'utf8' },
  );
  return JSON.parse(out);
}
