// Name compression (RFC 1035 4.1.4) for the messages dns-packet encodes, which it writes without any: each name
// (owner names, and the names inside CNAME/PTR/NS/MX/SRV/SOA data) that ends in one already written becomes a
// pointer to it. Answers shrink to a third or less (a headless Service's A records repeat one long name), so
// many more fit in a UDP reply before it must be truncated. A message this cannot read is returned unchanged.

const HEADER = 12;
const MAX_POINTER = 0x3fff;

/** rdata layouts with names in them: bytes before the first name, names, bytes after (by type number) */
const NAMED: Record<number, { before: number; names: number; after: number }> = {
  2: { before: 0, names: 1, after: 0 }, // NS
  5: { before: 0, names: 1, after: 0 }, // CNAME
  12: { before: 0, names: 1, after: 0 }, // PTR
  15: { before: 2, names: 1, after: 0 }, // MX
  33: { before: 6, names: 1, after: 0 }, // SRV
  6: { before: 0, names: 2, after: 20 }, // SOA
};

export function compressMessage(msg: Buffer): Buffer {
  try {
    return compress(msg) ?? msg;
  } catch {
    return msg; // not a message we wrote: leave it as it is
  }
}

function compress(msg: Buffer): Buffer | undefined {
  if (msg.length < HEADER) return undefined;
  const out = Buffer.alloc(msg.length); // compression never grows a message
  msg.copy(out, 0, 0, HEADER);
  const seen = new Map<string, number>();
  let r = HEADER;
  let w = HEADER;

  /** reads an uncompressed name at r, writes it compressed at w; a suffix is known by its wire bytes (case kept) */
  const name = () => {
    const starts: number[] = [];
    for (;;) {
      const len = msg[r];
      if (len === undefined || (len & 0xc0) !== 0) return false; // already compressed, or cut short
      if (len === 0) break;
      starts.push(r);
      r += len + 1;
    }
    const end = ++r; // past the root label
    for (const at of starts) {
      const key = msg.toString('latin1', at, end);
      const seenAt = seen.get(key);
      if (seenAt !== undefined) {
        out.writeUInt16BE(0xc000 | seenAt, w);
        w += 2;
        return true;
      }
      if (w <= MAX_POINTER) seen.set(key, w);
      const len = msg[at] + 1;
      msg.copy(out, w, at, at + len);
      w += len;
    }
    out[w++] = 0;
    return true;
  };
  const copy = (n: number) => {
    if (r + n > msg.length) throw new RangeError('cut short');
    msg.copy(out, w, r, r + n);
    r += n;
    w += n;
  };

  const questions = msg.readUInt16BE(4);
  const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  for (let i = 0; i < questions; i++) {
    if (!name()) return undefined;
    copy(4);
  }
  for (let i = 0; i < records; i++) {
    if (!name()) return undefined;
    const type = msg.readUInt16BE(r);
    copy(8); // type, class, ttl
    const rdlength = msg.readUInt16BE(r);
    r += 2;
    const end = r + rdlength;
    const layout = NAMED[type];
    if (!layout) {
      out.writeUInt16BE(rdlength, w);
      w += 2;
      copy(rdlength);
      continue;
    }
    const lengthAt = w;
    w += 2;
    const start = w;
    copy(layout.before);
    for (let n = 0; n < layout.names; n++) if (!name()) return undefined;
    copy(layout.after);
    if (r !== end) return undefined; // not the layout we expected
    out.writeUInt16BE(w - start, lengthAt);
  }
  if (r !== msg.length) return undefined;
  return out.subarray(0, w);
}
