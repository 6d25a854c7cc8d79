import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate } from './template.ts';

const data = {
  State: { OOMKilled: true, ExitCode: 137, Running: false },
  Config: { Hostname: 'box', Cmd: ['sh', '-c', 'x'], Labels: { 'a.b': 'c', z: '1' }, Entrypoint: null },
  Name: '/web',
  NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' }, other: { IPAddress: '10.0.0.2' } } },
};
const t = (src: string, d: unknown = data) => parseTemplate(src).execute(d);

test('dotted paths and literal text', () => {
  assert.equal(t('{{.State.OOMKilled}}'), 'true');
  assert.equal(t('exit={{.State.ExitCode}} host={{.Config.Hostname}}'), 'exit=137 host=box');
  assert.equal(t('{{.Nope}}'), '<no value>');
  assert.equal(t('{{.Config.Entrypoint}}'), '<nil>');
});

test('json, index, join and Go %v printing', () => {
  assert.equal(t('{{json .Config.Cmd}}'), '["sh","-c","x"]');
  assert.equal(t('{{index .Config.Labels "a.b"}}'), 'c');
  assert.equal(t('{{.Config.Cmd}}'), '[sh -c x]');
  assert.equal(t('{{.Config.Labels}}'), 'map[a.b:c z:1]');
  assert.equal(t('{{join .Config.Cmd ","}}'), 'sh,-c,x');
  assert.equal(t('{{json .}}', { a: 1 }), '{"a":1}');
});

test('pipelines and functions', () => {
  assert.equal(t('{{.Name | upper}}'), '/WEB');
  assert.equal(t('{{printf "%s-%d" .Config.Hostname .State.ExitCode}}'), 'box-137');
  assert.equal(t('{{len .Config.Cmd}}'), '3');
});

test('range, if/else if/else, with, variables, trimming', () => {
  assert.equal(t('{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'), '172.17.0.2 10.0.0.2 ');
  assert.equal(t('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}'), 'a.b=c;z=1;');
  assert.equal(t('{{if .State.Running}}up{{else if .State.OOMKilled}}oom{{else}}down{{end}}'), 'oom');
  assert.equal(t('{{if eq .State.ExitCode 0}}ok{{else}}fail{{end}}'), 'fail');
  assert.equal(t('{{with .Config}}{{.Hostname}}{{end}}'), 'box');
  assert.equal(t('a  {{- .Config.Hostname -}}  b'), 'aboxb');
  assert.equal(t('{{$n := .Name}}{{$n}}'), '/web');
  assert.equal(t('{{range .Missing}}x{{else}}empty{{end}}'), 'empty');
});

test('functions on the data (ps .Label "k")', () => {
  assert.equal(t('{{.Label "x"}}', { Label: (k: unknown) => `v-${k}` }), 'v-x');
});

test('errors are reported, not thrown as crashes', () => {
  assert.throws(() => t('{{.A'), /unclosed action/);
  assert.throws(() => t('{{if .A}}x'), /unexpected EOF/);
  assert.throws(() => t('{{nofunc .A}}'), /function "nofunc" not defined/);
});

test('fields of a parenthesized pipeline: (index .M "k").A', () => {
  const data = { Networks: { 'my-net': { IPAddress: '10.0.0.2' } }, IPAM: { Config: [{ Subnet: '10.0.0.0/24' }] } };
  assert.equal(parseTemplate('{{(index .Networks "my-net").IPAddress}}').execute(data), '10.0.0.2');
  assert.equal(parseTemplate('{{(index .IPAM.Config 0).Subnet}}').execute(data), '10.0.0.0/24');
  // with a space the field is an argument, as in Go: an error, not a chain
  assert.throws(() => parseTemplate('{{(index .IPAM.Config 0) .Subnet}}').execute(data), /can't give argument to non-function/);
});
