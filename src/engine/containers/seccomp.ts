// The default seccomp profile: containers-common's /usr/share/containers/seccomp.json (the same shape as
// moby's profiles/seccomp/default.json) turned into the OCI runtime-spec form for one container, the way
// moby's seccomp.setupSeccomp does: keep the rules whose includes/excludes match the host's arch and the
// container's capabilities.

export interface SeccompRuleArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface ProfileRule {
  names?: string[];
  name?: string;
  action: string;
  args?: SeccompRuleArg[] | null;
  errnoRet?: number | null;
  includes?: { arches?: string[]; caps?: string[]; minKernel?: string };
  excludes?: { arches?: string[]; caps?: string[]; minKernel?: string };
}

/** The docker/containers-common profile file. */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number | null;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] | null }>;
  architectures?: string[];
  syscalls?: ProfileRule[];
}

/** `linux.seccomp` of an OCI config. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: Array<{ names: string[]; action: string; args?: SeccompRuleArg[]; errnoRet?: number }>;
}

const scmpArchByGoArch: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', '386': 'SCMP_ARCH_X86', arm: 'SCMP_ARCH_ARM',
  s390x: 'SCMP_ARCH_S390X', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', mips64: 'SCMP_ARCH_MIPS64',
};

/** Go's GOARCH name for Node's `process.arch` (the profile's `arches` use Go names). */
export function goArch(nodeArch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', mips64el: 'mips64' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

function ruleApplies(rule: ProfileRule, arch: string, caps: ReadonlySet<string>): boolean {
  const inc = rule.includes ?? {};
  const exc = rule.excludes ?? {};
  if (exc.arches?.includes(arch)) return false;
  if (exc.caps?.some((c) => caps.has(c))) return false;
  if (inc.arches?.length && !inc.arches.includes(arch)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  return true;
}

/** The OCI seccomp section for a container with bounding capabilities `caps` on `arch` (Go name). */
export function toOciSeccomp(profile: SeccompProfile, caps: readonly string[], arch: string = goArch()): OciSeccomp {
  const capSet = new Set(caps);
  const native = scmpArchByGoArch[arch];
  let architectures: string[] = profile.architectures ?? [];
  if (profile.archMap?.length) {
    const entry = profile.archMap.find((a) => a.architecture === native);
    architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : native ? [native] : [];
  }
  const syscalls: OciSeccomp['syscalls'] = [];
  for (const rule of profile.syscalls ?? []) {
    if (!ruleApplies(rule, arch, capSet)) continue;
    const names = rule.names?.length ? rule.names : rule.name ? [rule.name] : [];
    if (!names.length) continue;
    const out: OciSeccomp['syscalls'][number] = { names, action: rule.action };
    if (rule.args?.length) out.args = rule.args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    if (typeof rule.errnoRet === 'number') out.errnoRet = rule.errnoRet;
    syscalls.push(out);
  }
  const result: OciSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (typeof profile.defaultErrnoRet === 'number') result.defaultErrnoRet = profile.defaultErrnoRet;
  return result;
}
