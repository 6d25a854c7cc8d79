// Container/exec ids (64 hex, as docker) and docker-style random names.
import { randomBytes } from 'node:crypto';

export const newId = (): string => randomBytes(32).toString('hex');

/** docker's short form of an id or digest: 12 hex digits, no `sha256:` */
export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

const left = ['admiring', 'brave', 'clever', 'dazzling', 'eager', 'festive', 'gallant', 'happy', 'jolly', 'keen',
  'loving', 'modest', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'trusting', 'vibrant', 'wizardly', 'zealous'];
const right = ['archimedes', 'babbage', 'curie', 'darwin', 'einstein', 'fermat', 'galileo', 'hopper', 'hypatia', 'kepler',
  'lovelace', 'meitner', 'newton', 'noether', 'pascal', 'ritchie', 'shannon', 'thompson', 'turing', 'wozniak'];

export function randomName(): string {
  const pick = <T>(a: T[]) => a[randomBytes(1)[0] % a.length];
  return `${pick(left)}_${pick(right)}`;
}
