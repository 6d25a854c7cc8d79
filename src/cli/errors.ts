// What the CLI reports and how it exits. Everything the user sees as an error ends up here, and main.ts
// maps it to stderr + exit code in one place.

/** An error with the exit status docker would use for it. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
    this.name = 'CliError';
  }
}

/** An HTTP error answer from the daemon (`{"message": …}`). */
export class ApiError extends CliError {
  readonly status: number;
  readonly detail: string;
  constructor(status: number, detail: string) {
    super(`Error response from daemon: ${detail}`, 1);
    this.status = status;
    this.detail = detail;
    this.name = 'ApiError';
  }
}

/** The exit status docker run/start gives a failure to start the process, judged by the message as docker does. */
export function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}
