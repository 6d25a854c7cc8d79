// The typed instructions a Dockerfile parses into. Values are as written (quotes kept, variables not
// expanded) until expandInstruction() runs them through docker's lexer with the stage's variables.
import type { ImageConfig } from '../../types.ts';

export type HealthConfig = NonNullable<ImageConfig['config']['Healthcheck']>;

interface Located {
  /** First and last physical line (1-based) in the Dockerfile. */
  line: number;
  endLine: number;
  /** The logical line as written, continuations joined. */
  original: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface ArgDecl {
  key: string;
  /** The default (unexpanded); undefined for a bare `ARG NAME`. */
  value?: string;
}

/** A heredoc body used as a file (RUN) or a source (COPY/ADD). */
export interface InlineFile {
  name: string;
  /** The body, tabs already stripped for `<<-`. */
  data: string;
  /** False when the terminator was quoted: the body is not expanded. */
  expand: boolean;
}

/** RUN, CMD, ENTRYPOINT: exec form (`json`) or shell form (one string, run by the stage's SHELL). */
export interface CommandLine {
  command: string[];
  /** True for the shell form: the builder prefixes the SHELL (default `/bin/sh -c`). */
  prependShell: boolean;
  files: InlineFile[];
}

export interface CopySpec {
  sources: string[];
  /** Heredoc sources (`COPY <<EOF /file`). */
  contents: InlineFile[];
  dest: string;
  chown: string;
  chmod: string;
  link: boolean;
}

export type Instruction = Located &
  (
    | { kind: 'ARG'; args: ArgDecl[] }
    | { kind: 'ENV'; env: KeyValue[] }
    | { kind: 'LABEL'; labels: KeyValue[] }
    | { kind: 'WORKDIR'; path: string }
    | ({ kind: 'COPY'; from: string } & CopySpec)
    | ({ kind: 'ADD'; keepGitDir: boolean; checksum: string } & CopySpec)
    | ({ kind: 'RUN' | 'CMD' | 'ENTRYPOINT' } & CommandLine)
    | { kind: 'SHELL'; shell: string[] }
    | { kind: 'EXPOSE'; ports: string[] }
    | { kind: 'USER'; user: string }
    | { kind: 'VOLUME'; volumes: string[] }
    | { kind: 'HEALTHCHECK'; health: HealthConfig }
    | { kind: 'STOPSIGNAL'; signal: string }
    | { kind: 'ONBUILD'; expression: string }
    | { kind: 'MAINTAINER'; maintainer: string }
  );

export type InstructionKind = Instruction['kind'];

/** `FROM [--platform=p] image [AS name]`: starts a stage. */
export interface FromLine extends Located {
  kind: 'FROM';
  image: string;
  /** The stage name as written (lower-cased by resolveStages), '' when none. */
  name: string;
  platform: string;
}

export interface Stage {
  /** 0-based position in the file. */
  index: number;
  from: FromLine;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** `syntax`, `escape`, `check` directives from the top of the file. */
  directives: Record<string, string>;
  /** The escape character (`\` or `` ` ``), needed again when expanding. */
  escape: string;
  /** ARGs before the first FROM: usable in FROM lines only, unless re-declared in a stage. */
  metaArgs: Extract<Instruction, { kind: 'ARG' }>[];
  stages: Stage[];
  /** Non-fatal notices, as docker prints them (empty continuation lines). */
  warnings: string[];
}
