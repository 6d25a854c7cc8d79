// Test support: a temporary project directory holding the given files, loaded with loadProject.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LoadOptions, Project } from '../types.ts';
import { loadProject } from './project.ts';

export interface Fixture {
  dir: string;
  load: (o?: Partial<LoadOptions>) => Promise<Project>;
  warnings: string[];
  write: (files: Record<string, string>) => void;
  remove: () => void;
}

/** A temp dir (its base name is `name`) with `files` written into it (paths may have subdirectories) */
export function fixture(files: Record<string, string>, name = 'proj'): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'skiff-compose-'));
  const dir = join(root, name);
  mkdirSync(dir);
  const warnings: string[] = [];
  const write = (fs: Record<string, string>): void => {
    for (const [p, text] of Object.entries(fs)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
  };
  write(files);
  return {
    dir,
    warnings,
    write,
    load: (o = {}) => loadProject({ files: [], env: { HOME: '/home/u' }, cwd: dir, warn: (m) => warnings.push(m), ...o }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Load one compose.yaml text and clean up */
export async function loadText(text: string, o: Partial<LoadOptions> = {}, extra: Record<string, string> = {}): Promise<Project> {
  const f = fixture({ 'compose.yaml': text, ...extra });
  try {
    return await f.load(o);
  } finally {
    f.remove();
  }
}
