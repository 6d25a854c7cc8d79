// `skiff login`, `skiff logout`, as docker 28's: the daemon checks the credentials (POST /auth), the CLI
// keeps them (config.json or a credential helper). Without -u/-p the stored credentials are tried first,
// then (on a terminal only) the user is asked: `Username (stored): `, then `Password: ` with echo off.
import { type Command, type Client, ApiError, CliError, readAll } from '../core.ts';
import { eraseCredentials, loadCredentials, serverKey, storeCredentials, HUB_SERVER, type Credentials } from '../docker-config.ts';
import { promptLine } from '../prompt.ts';

const REGISTER_SUGGEST = "Log in with your Docker ID or email address to push and pull images from Docker Hub. If you don't have a Docker ID, head over to https://hub.docker.com/ to create one.";

/** docker's verifyLoginFlags: what the flags given cannot mean together */
function checkFlags(has: (n: string) => boolean, user: string | undefined, password: string | undefined): void {
  if (has('password-stdin')) {
    if (has('password')) throw new CliError('conflicting options: cannot specify both --password and --password-stdin', 1);
    if (!has('username')) throw new CliError('the --password-stdin option requires --username to be set', 1);
  }
  if (has('username') && !user) throw new CliError('username is empty', 1);
  if (has('password') && !password) throw new CliError('password is empty', 1);
}

/** POST /auth; the status the daemon gives (`Login Succeeded`) */
async function authenticate(api: Client, cred: Credentials): Promise<string> {
  const res = await api.json<{ Status?: string }>('POST', '/auth', { body: cred });
  await storeCredentials(cred);
  return res?.Status || 'Login Succeeded';
}

/** The stored credentials, tried as docker does; null when there are none or they no longer work. */
async function withStored(api: Client, stored: Credentials): Promise<string | null> {
  process.stderr.write(`Authenticating with existing credentials... [Username: ${stored.username}]\n`);
  process.stderr.write("\n Info -> To login with a different account, run 'skiff logout' followed by 'skiff login'\n\n\n");
  try {
    return await authenticate(api, stored);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) process.stderr.write('Stored credentials invalid or expired\n');
    else process.stderr.write(`Login did not succeed, error: ${(err as Error).message}\n`);
    return null;
  }
}

/** docker's PromptUserForCredentials: the missing half (or both) asked on the terminal */
async function promptCredentials(user: string, password: string, defaultUser: string, key: string): Promise<Credentials> {
  if (!user) {
    if (key === HUB_SERVER) process.stdout.write(`${REGISTER_SUGGEST}\n`);
    user = (await promptLine(defaultUser ? `Username (${defaultUser}): ` : 'Username: ', { echo: true })) || defaultUser;
    if (!user) throw new CliError('Error: Non-null Username Required', 1);
  }
  if (!password.trim()) {
    password = await promptLine('Password: ', { echo: false });
    process.stdout.write('\n');
    if (!password) throw new CliError('Error: Password Required', 1);
  }
  return { username: user, password, serveraddress: key };
}

export const login: Command = {
  usage: '[OPTIONS] [SERVER]',
  summary: 'Authenticate to a registry',
  flags: [
    { name: 'password', short: 'p', type: 'string', help: 'Password or Personal Access Token (PAT)' },
    { name: 'password-stdin', type: 'bool', help: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', type: 'string', help: 'Username' },
  ],
  args: { max: 1 },
  async run(ctx, p) {
    let user = p.str('username') ?? '';
    let password = p.str('password') ?? '';
    checkFlags(p.has, user, password);
    if (password) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (p.bool('password-stdin')) password = (await readAll(process.stdin)).toString('utf8').replace(/\n$/, '').replace(/\r$/, '');
    const key = serverKey(p.args[0]);
    let defaultUser = '';
    if (!user && !password) {
      const stored = loadCredentials(key);
      const status = stored?.username && stored.password ? await withStored(ctx.api(), stored) : null;
      if (status) return void process.stdout.write(`${status}\n`);
      defaultUser = stored?.username ?? '';
    }
    if ((!user || !password) && !process.stdin.isTTY) throw new CliError('Error: Cannot perform an interactive login from a non TTY device', 1);
    const cred = await promptCredentials(user, password, defaultUser, key);
    process.stdout.write(`${await authenticate(ctx.api(), cred)}\n`);
  },
};

export const logout: Command = {
  usage: '[SERVER]',
  summary: 'Log out from a registry',
  flags: [],
  args: { max: 1 },
  async run(_ctx, p) {
    const key = serverKey(p.args[0]);
    if (!(await eraseCredentials(key))) {
      process.stdout.write(`Not logged in to ${key}\n`);
      return;
    }
    process.stdout.write(`Removing login credentials for ${key}\n`);
  },
};
