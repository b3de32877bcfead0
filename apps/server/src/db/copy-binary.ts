/**
 * A reader of PostgreSQL's binary COPY format (`COPY … TO STDOUT (FORMAT binary)`) for a result
 * of ONE column: each value comes out as its raw bytes, a view into the received buffer, never
 * decoded to a JS string. The snapshot streams rows this way (db-postgres.ts `streamText`): the
 * driver's per-row string decoding and the re-encoding for the socket were most of the server's
 * CPU per row (docs/PERFORMANCE.md, session 9).
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32), header extension length (int32). */
const HEADER_BYTES = SIGNATURE.length + 8;

export class CopyBinaryError extends Error {}

export class CopyBinaryReader {
  private rest: Buffer | null = null;
  private headerRead = false;
  private ended = false;

  /** True once the trailer (field count -1) was read. */
  get done(): boolean {
    return this.ended;
  }

  /**
   * Feeds the next piece of the stream; returns the values completed by it, in order. They are
   * views into the pieces given: a piece must not be reused afterwards (the pg driver's CopyData
   * chunks are views into its read buffer, which it compacts in place: copy them first).
   */
  push(piece: Buffer): Buffer[] {
    if (this.ended) throw new CopyBinaryError('data after the COPY trailer');
    const buf = this.rest ? Buffer.concat([this.rest, piece]) : piece;
    this.rest = null;
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < HEADER_BYTES) {
        this.rest = buf;
        return [];
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new CopyBinaryError('not a binary COPY stream');
      const extension = buf.readUInt32BE(SIGNATURE.length + 4);
      if (buf.length < HEADER_BYTES + extension) {
        this.rest = buf;
        return [];
      }
      at = HEADER_BYTES + extension;
      this.headerRead = true;
    }
    const values: Buffer[] = [];
    while (at + 2 <= buf.length) {
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        break;
      }
      if (fields !== 1) throw new CopyBinaryError(`expected 1 column, got ${fields}`);
      if (at + 6 > buf.length) break;
      const length = buf.readInt32BE(at + 2);
      if (length < 0) throw new CopyBinaryError('a NULL value');
      if (at + 6 + length > buf.length) break;
      values.push(buf.subarray(at + 6, at + 6 + length));
      at += 6 + length;
    }
    if (at < buf.length) {
      if (this.ended) throw new CopyBinaryError('data after the COPY trailer');
      this.rest = buf.subarray(at);
    }
    return values;
  }

  /** Throws unless the stream ended exactly at its trailer. */
  finish(): void {
    if (!this.ended || this.rest) throw new CopyBinaryError('the COPY stream was cut short');
  }
}
