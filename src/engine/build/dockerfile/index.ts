// The Dockerfile parser: a pure module (no I/O, no containers) with docker's semantics — buildkit's
// frontend/dockerfile/parser, instructions and shell lexer, as docker's classic builder uses them.
//
// Contract, in three steps:
//
// 1. parseDockerfile(text, { file }) → Dockerfile: directives, the escape character, the meta ARGs
//    (before the first FROM) and the stages, each a FROM line plus typed instructions carrying their
//    first/last line numbers. Values are as written: quotes kept, `$VARS` unexpanded. Bad input throws
//    invalidArgument('Dockerfile:<line>: <docker's message>'), e.g. `Dockerfile:3: unknown instruction: FORM (did you mean FROM?)`.
//
// 2. resolveStages(dockerfile, { buildArgs, target }) (or planBuild(text, opts) for 1+2) → BuildPlan:
//    FROM lines expanded with the meta ARGs (+ --build-arg), stage names, each stage's base as
//    { kind: 'scratch' | 'image' | 'stage' }, COPY --from (never expanded, as docker) resolved alike (a stage by name or
//    index, else an image), `target` (--target, else the last stage) and `order`: the stages the target
//    needs, each after the stages it reads from. A cycle is an error.
//
// 3. While building a stage, the builder keeps a Scope (newScope(baseImageEnv)) and passes every
//    instruction through applyInstruction(instr, scope, { buildArgs, metaArgs }, escape): it returns the
//    instruction with docker's expansion applied where docker expands (ADD COPY ENV EXPOSE LABEL
//    STOPSIGNAL USER VOLUME WORKDIR, ARG defaults; never RUN CMD ENTRYPOINT SHELL HEALTHCHECK ONBUILD)
//    and records ARG/ENV in the scope. ENV wins over ARG; a bare `ARG X` in a stage takes --build-arg X,
//    else the meta ARG X's value.
//
// Worked example:
//
//   ARG BASE=busybox                     planBuild(text, { buildArgs: { BASE: 'alpine:3' }, target: 'app' })
//   FROM $BASE AS build                  → plan.metaArgs        { BASE: 'alpine:3' }
//   ENV DIR=/src                         → plan.stages[0]       { name: 'build', base: { kind: 'image', ref: 'alpine:3' } }
//   WORKDIR $DIR                           its instructions[1]  { kind: 'WORKDIR', path: '$DIR', line: 4 }
//   RUN echo "$DIR" > out                  applyInstruction(…) → { kind: 'WORKDIR', path: '/src' }
//   FROM scratch AS app                    instructions[2]      { kind: 'RUN', command: ['echo "$DIR" > out'], prependShell: true }
//   COPY --from=build /src/out /out      → plan.stages[1]       { name: 'app', base: { kind: 'scratch' },
//   CMD ["/out"]                                                  copyFrom: Map { 0 => { kind: "stage", index: 0 } } }
//                                          its instructions[1]  { kind: 'CMD', command: ['/out'], prependShell: false }
//                                        → plan.target 1, plan.order [0, 1]
//
// Docker's classic builder refuses BuildKit-only RUN flags (--mount, --network, --security) with docker's
// message; COPY/ADD --chmod, --link and heredocs parse here and the builder decides whether it supports them.
export { parseDockerfile, parseTrigger, planBuild, type ParseOptions } from './parse.ts';
export { resolveStages, copySource, builtinBuildArgs, type BuildPlan, type ResolvedStage, type ResolveOptions, type Source } from './stages.ts';
export { applyInstruction, expandInstruction, newScope, scopeVars, type ArgContext, type Scope } from './expand.ts';
export { processWord, processWords, type Vars } from './lex.ts';
export type { ArgDecl, CommandLine, CopySpec, Dockerfile, FromLine, HealthConfig, InlineFile, Instruction, InstructionKind, KeyValue, Stage } from './types.ts';
