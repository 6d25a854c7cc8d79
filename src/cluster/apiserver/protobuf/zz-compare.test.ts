import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { encodeProtobufObject, decodeProtobufObject } from './index.ts';
import { isDeepStrictEqual } from 'node:util';
test('compare', () => {
  const cmds = [
    ['deployment', 'web', '--image=busybox', '--replicas=2', '--port=80'],
    ['namespace', 'x'], ['configmap', 'c', '--from-literal=a=b'], ['secret', 'generic', 's', '--from-literal=a=b'],
    ['job', 'j', '--image=busybox', '--', 'echo', 'hi'], ['cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *'],
    ['service', 'clusterip', 'svc', '--tcp=80:8080'], ['service', 'nodeport', 'np', '--tcp=80:http'], ['serviceaccount', 'sa'],
    ['ingress', 'ing', '--rule=example.com/path*=svc:80', '--class=nginx'],
    ['poddisruptionbudget', 'pdb', '--selector=app=web', '--min-available=50%'],
    ['priorityclass', 'pc', '--value=1000'], ['role', 'r', '--verb=get', '--resource=pods'],
    ['quota', 'q', '--hard=cpu=1,memory=1Gi'], ['token', 'sa'],
  ];
  for (const c of cmds) {
    let json: any;
    try { json = JSON.parse(execFileSync('kubectl', ['create', ...c, '--dry-run=client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })); } catch { console.log('skip', c.join(' ')); continue; }
    try {
      const back = decodeProtobufObject(encodeProtobufObject(json));
      console.log(isDeepStrictEqual(back, json) ? 'same' : `DIFF\n${JSON.stringify(json)}\n${JSON.stringify(back)}`, c.join(' '));
    } catch (e) { console.log('ERR', c.join(' '), (e as Error).message); }
  }
});
