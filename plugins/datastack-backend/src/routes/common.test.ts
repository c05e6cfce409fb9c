import express from 'express';
import request from 'supertest';
import { gunzipSync } from 'node:zlib';
import { PreparedAnswer } from '../services/PreparedAnswers';
import { sendPrepared } from './common';

/** An app that sends one prepared answer whose JSON is `bytes` long. */
function appSending(bytes: number) {
  // {"pad":"…"} is 10 bytes around the padding.
  const answer = new PreparedAnswer({ pad: 'x'.repeat(bytes - 10) });
  expect(answer.body.length).toBe(bytes);
  const app = express();
  app.get('/answer', (req, res) => {
    res.set('Cache-Control', 'private, no-cache');
    sendPrepared(req, res, answer);
  });
  return { app, answer };
}

describe('sendPrepared', () => {
  it('sends an answer under 1 kB as it is, whatever the caller accepts, and marks it no-transform', async () => {
    const { app, answer } = appSending(1023);
    const res = await request(app)
      .get('/answer')
      .set('accept-encoding', 'gzip, deflate, br');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe('1023');
    expect(res.headers.etag).toBe(answer.etag);
    expect(res.headers['cache-control']).toBe(
      'private, no-cache, no-transform',
    );
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.vary).toBe('Accept-Encoding');
  });

  it('sends the gzip from 1 kB to a caller who accepts gzip, under its own tag, and 304 for that tag', async () => {
    const { app, answer } = appSending(1024);
    const res = await request(app)
      .get('/answer')
      .set('accept-encoding', 'br;q=1, gzip;q=0.5')
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.etag).toBe(answer.gzipEtag);
    expect(res.headers.etag).not.toBe(answer.etag);
    expect(res.headers['cache-control']).toBe('private, no-cache');
    // supertest has already gunzipped it; what went out was answer.gzip.
    expect(gunzipSync(answer.gzip).equals(answer.body)).toBe(true);
    expect(Buffer.from(res.body).equals(answer.body)).toBe(true);

    const revalidated = await request(app)
      .get('/answer')
      .set('accept-encoding', 'gzip')
      .set('if-none-match', answer.gzipEtag);
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(answer.gzipEtag);
    // The plain JSON's tag does not validate the gzip, nor the reverse.
    expect(
      (
        await request(app)
          .get('/answer')
          .set('accept-encoding', 'gzip')
          .set('if-none-match', answer.etag)
      ).status,
    ).toBe(200);
  });

  it('sends the JSON as it is from 1 kB to a caller who does not accept gzip', async () => {
    const { app, answer } = appSending(4096);
    for (const acceptEncoding of ['identity', 'br', 'gzip;q=0, deflate']) {
      const res = await request(app)
        .get('/answer')
        .set('accept-encoding', acceptEncoding);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['content-length']).toBe('4096');
      expect(res.headers.etag).toBe(answer.etag);
      expect(res.headers['cache-control']).toBe(
        'private, no-cache, no-transform',
      );
      const again = await request(app)
        .get('/answer')
        .set('accept-encoding', acceptEncoding)
        .set('if-none-match', answer.etag);
      expect(again.status).toBe(304);
    }
  });
});
