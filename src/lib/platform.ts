// This machine's platform in Go's (and so OCI's and docker's) words: Node says x64, images say amd64.
import { arch } from 'node:os';

export const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** `amd64` on x86-64: what an image config's `architecture` and docker's `Arch` say */
export const dockerArch = (): string => goArch[arch()] ?? arch();
