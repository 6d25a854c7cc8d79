// Docker's multiplexed stdio stream (non-TTY attach, exec and logs): frames of
// [stream type (0 stdin, 1 stdout, 2 stderr), 0, 0, 0, big-endian uint32 size] + payload.

export type StreamType = 0 | 1 | 2;

/** Returns a feeder: give it the raw bytes as they arrive; it calls `onFrame` for each (part of a) payload. */
export function frameDemuxer(onFrame: (stream: StreamType, data: Buffer) => void): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let stream: StreamType = 1;
  let left = 0;
  return (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (left === 0) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(i, i + need)]);
        i += Math.min(need, chunk.length - i);
        if (header.length < 8) return;
        stream = (header[0] <= 2 ? header[0] : 1) as StreamType;
        left = header.readUInt32BE(4);
        header = Buffer.alloc(0);
        continue;
      }
      // payloads are passed on as they come: a frame may span many socket reads
      const part = chunk.subarray(i, i + left);
      left -= part.length;
      i += part.length;
      onFrame(stream, part);
    }
  };
}

/** One frame, as the daemon writes them (tests, and a server-side reference). */
export function frame(stream: StreamType, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
