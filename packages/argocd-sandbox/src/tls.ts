/**
 * A throw-away certificate authority and a server certificate it signed, for
 * serving the sandbox over HTTPS the way a managed cluster with a private CA
 * does. Generated with the `openssl` CLI in a temporary directory that is
 * removed at once; nothing is written anywhere else.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM text of a generated CA and of the server key pair it signed. */
export interface SandboxTls {
  /** The CA certificate (PEM): what a client must trust. */
  ca: string;
  /** The server certificate (PEM), for `127.0.0.1`, `::1` and `localhost`. */
  cert: string;
  /** The server's private key (PEM). */
  key: string;
}

/**
 * Generates a CA (`CN=Datastack sandbox CA`, valid two days) and a server
 * certificate it signed for the given host names and addresses.
 */
export async function generateSandboxTls(
  hosts: string[] = ['127.0.0.1', '::1', 'localhost'],
): Promise<SandboxTls> {
  const dir = await mkdtemp(join(tmpdir(), 'argocd-sandbox-tls-'));
  const at = (file: string) => join(dir, file);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-nodes',
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=Datastack sandbox CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', [
      'req',
      ...ec,
      '-nodes',
      '-keyout',
      at('server.key'),
      '-out',
      at('server.csr'),
      '-subj',
      `/CN=${hosts[0]}`,
    ]);
    const san = hosts
      .map(h => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`))
      .join(',');
    await writeFile(
      at('server.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${san}`,
        '',
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.crt'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at('server.crt'),
      '-days',
      '2',
      '-extfile',
      at('server.ext'),
    ]);
    const [ca, cert, key] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map(f => readFile(at(f), 'utf8')),
    );
    return { ca, cert, key };
  } catch (error) {
    throw new Error(
      `could not generate the sandbox's TLS certificates with openssl: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
