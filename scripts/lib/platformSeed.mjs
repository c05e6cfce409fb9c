// The platform layer of a sandbox instance, as the "Platform operators"
// template renders it (the platform AppProject and, on the instance's
// in-cluster, an Application per operator the registry knows), applied
// through the instance's Argo CD REST API. Used by `yarn dev`, the e2e tests
// and the benchmarks, so a pipeline created against the sandbox passes
// pre-flight the way it would on a cluster the platform team prepared.
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));

/** The platform project and operator Applications "Platform operators" renders for `instance`. */
export function platformLayer(instance) {
  // The TypeScript sources, through the transform the sandbox runs with;
  // the tests render the platform layer with the same function.
  require('@backstage/cli/config/nodeTransform.cjs');
  const { platformLayer: render } = require(path.join(
    root,
    'plugins/scaffolder-backend-module-datastack/src/__testUtils__/platform.ts',
  ));
  return render({ instance, clusters: [{ name: 'in-cluster' }] });
}

async function call(url, token, method, pathname, body) {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) {
    throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
  }
  return res.json();
}

/**
 * Applies the platform layer to each sandbox instance (`{name, url, token}`),
 * waiting for it to answer first. Returns the number of operator
 * Applications per instance.
 */
export async function seedPlatform(instances, { waitMs = 60_000 } = {}) {
  const counts = {};
  for (const { name, url, token } of instances) {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await call(url, token, 'GET', '/api/v1/projects/default');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise(resolve => setTimeout(resolve, 500));
      }
    }
    const { project, applications } = platformLayer(name);
    await call(url, token, 'POST', '/api/v1/projects', {
      project,
      upsert: true,
    });
    for (const application of applications) {
      await call(
        url,
        token,
        'POST',
        '/api/v1/applications?upsert=true',
        application,
      );
    }
    counts[name] = applications.length;
  }
  return counts;
}
