// A question on the terminal, answered by one line: with echo (docker login's `Username: `) or without
// (`Password: `: the terminal is put in raw mode so nothing typed shows, then restored).
import type { ReadStream } from 'node:tty';
import { CliError } from './errors.ts';

const ENTER = new Set(['\r', '\n']);
const ERASE = new Set(['\x7f', '\b']);

/** The line typed after `question` (docker's ReadInput: trimmed); '' at end of input. */
export async function promptLine(question: string, o: { echo: boolean }): Promise<string> {
  const input = process.stdin as ReadStream;
  const raw = !o.echo && input.isTTY;
  // echo goes off before the question shows: an answer typed at once is never echoed
  if (raw) input.setRawMode(true);
  process.stdout.write(question);
  try {
    return (await readLine(input, raw)).trim();
  } finally {
    if (raw) input.setRawMode(false);
  }
}

function readLine(input: ReadStream, raw: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err: Error | null) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ENTER.has(ch)) return done(null);
        // raw mode hands us the keys the terminal would have acted on
        if (raw && ch === '\x03') return done(new CliError('', 130));
        if (raw && ch === '\x04') return done(null);
        if (raw && ERASE.has(ch)) line = line.slice(0, -1);
        else line += ch;
      }
    };
    const onEnd = () => done(null);
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
