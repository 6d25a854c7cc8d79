// Where the registry keeps things under its root (default /var/lib/skiff/registry):
//   blobs/<alg>/<hex>                         content, by digest (layers, configs and manifests alike)
//   repositories/<name>/_layers/<alg>/<hex>   empty: this repository may see that blob
//   repositories/<name>/_manifests/<alg>/<hex> the manifest's media type: this repository holds that manifest
//   repositories/<name>/_tags/<tag>           the digest the tag points at (written atomically)
//   repositories/<name>/_referrers/<alg>-<subject hex>/<alg>-<hex>  empty: a manifest whose subject is that digest
//   uploads/<uuid>/data, uploads/<uuid>/info.json   uploads in flight
//   tmp/                                       blobs being written (renamed into blobs/ once verified)
// Name components never start with `_`, so `_layers` & co never collide with a nested repository's name.
import { join } from 'node:path';
import type { Digest, RepoName } from './names.ts';

export interface Layout {
  root: string;
  blob(d: Digest): string;
  blobsDir: string;
  repositories: string;
  repo(name: RepoName): string;
  layerLink(name: RepoName, d: Digest): string;
  manifestLink(name: RepoName, d: Digest): string;
  manifestsDir(name: RepoName): string;
  tag(name: RepoName, tag: string): string;
  tagsDir(name: RepoName): string;
  referrersDir(name: RepoName, subject: Digest): string;
  uploads: string;
  upload(id: string): string;
  tmp: string;
}

export function layoutOf(root: string): Layout {
  const repositories = join(root, 'repositories');
  const repo = (name: RepoName) => join(repositories, name);
  return {
    root,
    blob: (d) => join(root, 'blobs', d.algorithm, d.hex),
    blobsDir: join(root, 'blobs'),
    repositories,
    repo,
    layerLink: (name, d) => join(repo(name), '_layers', d.algorithm, d.hex),
    manifestLink: (name, d) => join(repo(name), '_manifests', d.algorithm, d.hex),
    manifestsDir: (name) => join(repo(name), '_manifests'),
    tag: (name, tag) => join(repo(name), '_tags', tag),
    tagsDir: (name) => join(repo(name), '_tags'),
    referrersDir: (name, subject) => join(repo(name), '_referrers', `${subject.algorithm}-${subject.hex}`),
    uploads: join(root, 'uploads'),
    upload: (id) => join(root, 'uploads', id),
    tmp: join(root, 'tmp'),
  };
}
