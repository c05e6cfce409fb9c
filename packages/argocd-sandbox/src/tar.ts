/**
 * Gzipped tar archives as `helm package` writes them (ustar entries, regular
 * files only, mode 0644), built in memory and deterministically: the same
 * files and mtime always give the same bytes, hence the same sha256 digest.
 */

import { gunzipSync, gzipSync } from 'node:zlib';

/** One file of an archive. */
export interface TarFile {
  /** Path inside the archive, e.g. `airflow/Chart.yaml`. */
  path: string;
  content: string | Buffer;
}

const BLOCK = 512;

function writeString(
  block: Buffer,
  offset: number,
  length: number,
  value: string,
): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) {
    throw new Error(`tar header field too long: ${value}`);
  }
  bytes.copy(block, offset);
}

function writeOctal(
  block: Buffer,
  offset: number,
  length: number,
  value: number,
): void {
  writeString(
    block,
    offset,
    length,
    `${value.toString(8).padStart(length - 1, '0')}\0`,
  );
}

/** Splits a path into ustar `prefix` (155 bytes) and `name` (100 bytes). */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) {
      return { prefix, name };
    }
  }
  throw new Error(`path too long for a ustar archive: ${path}`);
}

function header(path: string, size: number, mtimeSeconds: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const { prefix, name } = splitPath(path);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtimeSeconds);
  block.fill(' ', 148, 156);
  writeString(block, 156, 1, '0');
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/**
 * A gzipped tar archive of `files`, in the order given.
 *
 * @param mtime modification time of every entry (epoch milliseconds)
 */
export function createTarGz(files: readonly TarFile[], mtime: number): Buffer {
  const seconds = Math.floor(mtime / 1000);
  const parts: Buffer[] = [];
  for (const file of files) {
    const content = Buffer.isBuffer(file.content)
      ? file.content
      : Buffer.from(file.content, 'utf8');
    parts.push(header(file.path, content.length, seconds), content);
    const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (padding) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** PAX extended header records (`LEN key=value\n`). */
function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number.parseInt(data.subarray(at, space).toString(), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

/**
 * The regular files of a gzipped tar archive (ustar, with PAX `path`
 * records as Go's archive/tar writes them), by path.
 *
 * @throws Error when the data is not gzip, or the tar stream is cut short
 */
export function readTarGz(archive: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(archive);
  const files = new Map<string, Buffer>();
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every(byte => byte === 0)) return files;
    const size = Number.parseInt(readString(block, 124, 12).trim() || '0', 8);
    const type = readString(block, 156, 1) || '0';
    const prefix = readString(block, 345, 155);
    const name = readString(block, 0, 100);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) {
      throw new Error(`tar entry ${name} is cut short`);
    }
    const data = tar.subarray(dataStart, dataStart + size);
    if (type === 'x') {
      paxPath = paxRecords(data).path;
    } else {
      if (type === '0') {
        files.set(paxPath ?? (prefix ? `${prefix}/${name}` : name), data);
      }
      paxPath = undefined;
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new Error('tar archive has no end-of-archive marker');
}
