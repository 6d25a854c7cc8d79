// docker's stdio multiplexing ("stdcopy"), the one implementation both sides use: the Docker API writes
// frames, the CLI reads them. Each frame is an 8-byte header [stream, 0, 0, 0, size (uint32 BE)] followed
// by `size` bytes; stream 0 stdin, 1 stdout, 2 stderr. A TTY has one stream and is sent raw.

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

const streamIds = { stdin: 0, stdout: 1, stderr: 2 } as const;
const streamNames: StdStream[] = ['stdin', 'stdout', 'stderr'];
export type StdStream = keyof typeof streamIds;

export function frame(stream: StdStream, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(8);
  header[0] = streamIds[stream];
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Content type of a container's or exec's output: docker sends raw bytes for a TTY (API ≥ 1.42 says so). */
export function streamContentType(tty: boolean): string {
  return tty ? RAW_STREAM : MULTIPLEXED;
}

/**
 * The streaming reader: returns a feeder for the raw bytes as they arrive; it calls `onFrame` for each
 * (part of a) payload as soon as it has it — a frame may span many socket reads and is never buffered whole.
 */
export function frameDemuxer(onFrame: (stream: StdStream, data: Buffer) => void): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let stream: StdStream = 'stdout';
  let left = 0;
  return (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (left === 0) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(i, i + need)]);
        i += Math.min(need, chunk.length - i);
        if (header.length < 8) return;
        stream = streamNames[header[0]] ?? 'stdout';
        left = header.readUInt32BE(4);
        header = Buffer.alloc(0);
        continue;
      }
      const part = chunk.subarray(i, i + left);
      left -= part.length;
      i += part.length;
      onFrame(stream, part);
    }
  };
}

/** Whole frames from a complete multiplexed body (tests). */
export function splitFrames(body: Buffer): Array<{ stream: StdStream; data: Buffer }> {
  const out: Array<{ stream: StdStream; data: Buffer }> = [];
  let rest = body;
  while (rest.length >= 8) {
    const size = rest.readUInt32BE(4);
    out.push({ stream: streamNames[rest[0]] ?? 'stdout', data: rest.subarray(8, 8 + size) });
    rest = rest.subarray(8 + size);
  }
  return out;
}
