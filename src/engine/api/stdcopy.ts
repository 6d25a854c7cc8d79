// docker's stdio multiplexing ("stdcopy"): each frame is an 8-byte header [stream, 0, 0, 0, size (uint32 BE)]
// followed by `size` bytes; stream 0 stdin, 1 stdout, 2 stderr. A TTY has one stream and is sent raw.

export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

const streamIds = { stdin: 0, stdout: 1, stderr: 2 } as const;
export type StdStream = keyof typeof streamIds;

export function frame(stream: StdStream, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = streamIds[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Content type of a container's or exec's output: docker sends raw bytes for a TTY (API ≥ 1.42 says so). */
export function streamContentType(tty: boolean): string {
  return tty ? RAW_STREAM : MULTIPLEXED;
}

/** Split a multiplexed byte stream back into frames (the docker client's side; used by tests and the CLI). */
export function createDemuxer(): { push(chunk: Buffer): Array<{ stream: StdStream; data: Buffer }> } {
  let pending: Buffer = Buffer.alloc(0);
  const names: StdStream[] = ['stdin', 'stdout', 'stderr'];
  return {
    push(chunk) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const out: Array<{ stream: StdStream; data: Buffer }> = [];
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        out.push({ stream: names[pending[0]] ?? 'stdout', data: pending.subarray(8, 8 + size) });
        pending = pending.subarray(8 + size);
      }
      return out;
    },
  };
}
