import { runGit } from '@datastack/plugin-datastack-node';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A git smart-HTTP server in front of real bare repositories under `root`
 * (git's own `git http-backend`), standing in for a git host's clone URLs.
 * It refuses requests without the expected Basic credentials, as a host
 * refuses a push without them, and records what it was asked.
 */
export async function startGitHttpServer(root: string) {
  const requests: Array<{
    method?: string;
    url?: string;
    authorization?: string;
  }> = [];
  let expected: string | undefined;
  const server: Server = createServer((req, res) => {
    requests.push({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
    });
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://git.local');
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length']
          ? { CONTENT_LENGTH: req.headers['content-length'] }
          : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        // An authenticated user may push (http.receivepack defaults to it).
        REMOTE_USER: 'datastack-bot',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let streaming = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (streaming) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [key, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (key.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      streaming = true;
      res.write(head.subarray(end + 4));
    });
    child.stdout.on('end', () => res.end());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    origin,
    requests,
    /** Path of the bare repository behind `<origin>/<name>.git`. */
    pathOf: (name: string) => path.join(root, `${name}.git`),
    /** Creates the empty bare repository `<origin>/<name>.git`, as a host does when asked for a new one. */
    async create(name: string) {
      await runGit([
        'init',
        '--quiet',
        '--bare',
        path.join(root, `${name}.git`),
      ]);
      return `${origin}/${name}.git`;
    },
    /** The Basic credentials every request must carry. */
    expect(username: string, password: string) {
      expected = `Basic ${Buffer.from(`${username}:${password}`).toString(
        'base64',
      )}`;
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
