// conmon's control fifo (`ctl` in the bundle): `1 <height> <width>\n` resizes the terminal.
import { open, constants } from 'node:fs/promises';
import { conflict } from '../../lib/errors.ts';

/** conmon's control message 2: close and reopen the log file (after it was renamed away). */
export async function writeReopenLog(fifo: string): Promise<boolean> {
  const fh = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => null);
  if (!fh) return false; // no conmon reads it: nothing writes the log either
  try {
    await fh.write('2 0 0\n');
  } finally {
    await fh.close();
  }
  return true;
}

export async function writeCtl(fifo: string, height: number, width: number): Promise<void> {
  // non-blocking: conmon holds the read side open; without a reader the process is gone
  const fh = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => null);
  if (!fh) throw conflict('the process is not running (no terminal to resize)');
  try {
    await fh.write(`1 ${Math.max(0, Math.floor(height))} ${Math.max(0, Math.floor(width))}\n`);
  } finally {
    await fh.close();
  }
}
