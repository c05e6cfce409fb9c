import { benchEntities, startSandbox } from '../e2e/lib.mjs';
import { startProductionBackend } from './lib/productionBackend.mjs';
import { cpuMs } from './lib/measure.mjs';
const sandbox = await startSandbox(['dev', 'staging', 'prod'], { seed: 500, latencyMs: 50 });
const entities = benchEntities();
process.env.NODE_OPTIONS = process.env.PROF ? `--cpu-prof --cpu-prof-dir=/tmp/prof` : '';
const backend = await startProductionBackend(sandbox, entities);
delete process.env.NODE_OPTIONS;
const user = `Bearer ${await backend.userToken('alice')}`;
const url = e => `/api/datastack/health/entity/default/component/${e.metadata.name}`;
const timed = async route => { const res = await backend.api(route, { headers: { authorization: user } }); await res.arrayBuffer(); return res.status; };
for (let i = 0; i < 200; i++) await timed(url(entities[i % 20]));
await new Promise(r => setTimeout(r, 2000));
let c0 = await cpuMs(backend.pid); let t0 = Date.now();
await new Promise(r => setTimeout(r, 5000));
let c1 = await cpuMs(backend.pid);
console.log('idle cpu ms per s', ((c1 - c0) / ((Date.now() - t0) / 1000)).toFixed(1));
const N = Number(process.env.N ?? 1000);
c0 = await cpuMs(backend.pid); t0 = Date.now();
for (let i = 0; i < N; i++) await timed(url(entities[i % 20]));
c1 = await cpuMs(backend.pid);
const secs = (Date.now() - t0) / 1000;
console.log('answers', N, 'secs', secs.toFixed(2), 'cpu per answer ms', ((c1 - c0) / N).toFixed(2));
// a bare route for comparison
c0 = await cpuMs(backend.pid);
for (let i = 0; i < N; i++) { const r = await backend.api('/api/datastack/status', { headers: { authorization: user } }); await r.arrayBuffer(); }
c1 = await cpuMs(backend.pid);
console.log('status route (with user token) cpu per answer ms', ((c1 - c0) / N).toFixed(2));
await backend.stop(); await sandbox.stop();
