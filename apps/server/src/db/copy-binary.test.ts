import { describe, expect, it } from 'vitest';
import { CopyBinaryError, CopyBinaryReader } from './copy-binary';

/** A binary COPY stream of one text column, as PostgreSQL writes it. */
function copyStream(values: (string | null)[], extension = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(extension.length, 4);
  const rows = values.map((v) => {
    const head = Buffer.alloc(6);
    head.writeInt16BE(1, 0);
    if (v === null) {
      head.writeInt32BE(-1, 2);
      return head;
    }
    const bytes = Buffer.from(v, 'utf8');
    head.writeInt32BE(bytes.length, 2);
    return Buffer.concat([head, bytes]);
  });
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  return Buffer.concat([
    Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
    header,
    extension,
    ...rows,
    trailer,
  ]);
}

function readAll(stream: Buffer, pieceBytes: number): string[] {
  const reader = new CopyBinaryReader();
  const out: string[] = [];
  for (let at = 0; at < stream.length; at += pieceBytes)
    for (const v of reader.push(stream.subarray(at, at + pieceBytes))) out.push(v.toString());
  reader.finish();
  return out;
}

describe('CopyBinaryReader', () => {
  const values = ['{"id":"a"}', '', 'é — ✓ multi-byte', 'x'.repeat(5000)];

  it('reads every value, in order, whatever the pieces the stream arrives in', () => {
    const stream = copyStream(values, Buffer.from('ext'));
    for (const size of [1, 2, 3, 7, 19, 64, 4096, stream.length])
      expect(readAll(stream, size)).toEqual(values);
  });

  it('reads an empty result', () => {
    expect(readAll(copyStream([]), 5)).toEqual([]);
  });

  it('refuses what is not a one-column binary COPY, a NULL, and a stream cut short', () => {
    expect(() => new CopyBinaryReader().push(Buffer.alloc(40))).toThrow(CopyBinaryError);
    expect(() => readAll(copyStream(['a', null]), 64)).toThrow(/NULL/);
    const twoColumns = copyStream(['a']);
    twoColumns.writeInt16BE(2, 19);
    expect(() => readAll(twoColumns, 64)).toThrow(/1 column/);
    const stream = copyStream(['a', 'b']);
    const reader = new CopyBinaryReader();
    expect(reader.push(stream.subarray(0, stream.length - 3)).map(String)).toEqual(['a']);
    expect(() => reader.finish()).toThrow(/cut short/);
    expect(() => readAll(Buffer.concat([copyStream(['a']), Buffer.from('z')]), 64)).toThrow(
      /after the COPY trailer/,
    );
  });
});
