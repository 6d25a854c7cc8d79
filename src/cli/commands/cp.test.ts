import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { rebaseTar, splitCpArg } from './cp.ts';

test('container paths are NAME:PATH; local paths with a colon start with / or .', () => {
  assert.deepEqual(splitCpArg('web:/etc/passwd'), { container: 'web', path: '/etc/passwd' });
  assert.deepEqual(splitCpArg('./a:b'), { path: './a:b' });
  assert.deepEqual(splitCpArg('/tmp/x'), { path: '/tmp/x' });
  assert.deepEqual(splitCpArg('-'), { path: '-' });
});

async function names(tar: Readable): Promise<string[]> {
  const extract = tarStream.extract();
  tar.pipe(extract as unknown as NodeJS.WritableStream);
  const out: string[] = [];
  for await (const entry of extract) {
    out.push(entry.header.name);
    entry.resume();
  }
  return out;
}

function tarOf(entries: string[]): Readable {
  const pack = tarStream.pack();
  for (const name of entries) {
    if (name.endsWith('/')) pack.entry({ name, type: 'directory' });
    else pack.entry({ name }, 'x');
  }
  pack.finalize();
  return pack as unknown as Readable;
}

test('rebaseTar renames the top entry and what is below it', async () => {
  assert.deepEqual(await names(rebaseTar(tarOf(['etc/', 'etc/passwd', 'etcx']), 'etc', 'conf')), ['conf/', 'conf/passwd', 'etcx']);
  assert.deepEqual(await names(rebaseTar(tarOf(['hostname']), 'hostname', 'renamed')), ['renamed']);
  assert.deepEqual(await names(rebaseTar(tarOf(['etc/', 'etc/passwd']), 'etc', '')), ['./', 'passwd']);
});
