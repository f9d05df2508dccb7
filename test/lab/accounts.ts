// Lab accounts: root logs in with a lab-generated key; havipadm logs in with a random password
// (and the key) and its sudo asks for that password; two key-only users as cloud images have
// them: havipkey (no password at all, NOPASSWD sudo) and havipks (sshd refuses its password,
// sudo asks for it). Secrets live in the state dir, mode 0600, and are never printed here.
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { describe, must, run, sleep } from './run'
import {
  AUTHORIZED_KEYS_DIR, KEY_USER_NOPASSWD, KEY_USER_NOPASSWD_GECOS, KEY_USER_SUDOPW, KEY_USER_SUDOPW_GECOS,
  KEY_USER_SUDOPW_PASSWORD_PATH, LAB_ACCOUNTS, ROOT_KEY_PATH, STATE_DIR, SUDOERS_FILE, SUDO_PASSWORD_PATH, SUDO_USER,
  SUDO_USER_GECOS, USERS_DIR
} from './types'

/**
 * The state dir is 0711, not 0700: sshd reads a user's AuthorizedKeysFile as that user, so the
 * lab's users must be able to traverse (not list) it. Every secret inside is its own 0600 file.
 */
export function createStateDir(): void {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o711 })
  chmodSync(STATE_DIR, 0o711)
  mkdirSync(`${STATE_DIR}/nodes`, { mode: 0o700 })
  mkdirSync(USERS_DIR, { mode: 0o700 })
  mkdirSync(AUTHORIZED_KEYS_DIR, { mode: 0o755 })
  chmodSync(AUTHORIZED_KEYS_DIR, 0o755) // StrictModes: root-owned, not group/world writable
}

export async function createRootKey(): Promise<string> {
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'havip-lab-root', '-f', ROOT_KEY_PATH], 'generating the root key')
  chmodSync(ROOT_KEY_PATH, 0o600)
  return readFileSync(`${ROOT_KEY_PATH}.pub`, 'utf8').trim()
}

/** The lab key's public half (every lab user logs in with it). */
export function rootPublicKey(): string {
  return readFileSync(`${ROOT_KEY_PATH}.pub`, 'utf8').trim()
}

/**
 * `must` for the shadow tools (useradd, usermod, userdel, chpasswd): they refuse at once while
 * another process on the machine holds /etc/passwd's lock ("cannot lock /etc/passwd; try again
 * later"), which other test runs creating users of their own may do; so try again, bounded.
 */
async function mustAccounts(argv: string[], what: string, opts: { input?: string } = {}): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const r = await run(argv, opts)
    if (r.code === 0) return r.stdout
    if (attempt >= 20 || !/lock/i.test(r.stderr)) {
      throw new Error(`lab: ${what} failed: \`${describe(argv)}\` exited ${r.code}: ${(r.stderr || r.stdout).trim()}`)
    }
    await sleep(250)
  }
}

async function userInfo(name: string): Promise<{ uid: number; gid: number; gecos: string } | null> {
  const r = await run(['getent', 'passwd', name])
  if (r.code !== 0) return null
  const f = r.stdout.trim().split(':')
  return { uid: Number(f[2]), gid: Number(f[3]), gecos: f[4] ?? '' }
}

/** Creates `name` if missing, with a private home in the state dir; returns whether it was created. */
async function ensureUser(name: string, gecos: string, publicKey: string): Promise<boolean> {
  let created = false
  let user = await userInfo(name)
  const home = `${STATE_DIR}/home/${name}`
  if (!user) {
    await mustAccounts(
      ['useradd', '--no-create-home', '--home-dir', home, '--shell', '/bin/bash', '--comment', gecos, '--user-group', name],
      `creating user ${name}`
    )
    created = true
    user = await userInfo(name)
    if (!user) throw new Error(`lab: user ${name} was created but getent cannot find it; check /etc/nsswitch.conf`)
  }
  mkdirSync(`${STATE_DIR}/home`, { recursive: true, mode: 0o755 })
  mkdirSync(home, { recursive: true, mode: 0o700 })
  chownSync(home, user.uid, user.gid)
  writeFileSync(`${AUTHORIZED_KEYS_DIR}/${name}`, `${publicKey}\n`, { mode: 0o644 })
  return created
}

/** A random password, set through chpasswd's stdin (never on a command line) and kept 0600 at `path`. */
async function setRandomPassword(name: string, path: string): Promise<void> {
  const password = randomBytes(18).toString('base64url')
  writeFileSync(path, `${password}\n`, { mode: 0o600 })
  await mustAccounts(['chpasswd'], `setting the password of ${name}`, { input: `${name}:${password}\n` })
}

/** Creates the sudo user if missing; returns whether the lab created it (so down removes only its own). */
export async function ensureSudoUser(publicKey: string): Promise<boolean> {
  const created = await ensureUser(SUDO_USER, SUDO_USER_GECOS, publicKey)
  await setRandomPassword(SUDO_USER, SUDO_PASSWORD_PATH)
  writeFileSync(`${AUTHORIZED_KEYS_DIR}/root`, `${publicKey}\n`, { mode: 0o644 })
  await writeSudoers()
  return created
}

/**
 * The key-only users. havipkey gets '*' as its password hash: no password can ever match, yet
 * sshd (UsePAM no) does not count it as locked the way it counts '!', so the key still works.
 * havipks gets a real password, for sudo only: sshd refuses password login for both (sshd.ts).
 * Safe to run on a live lab: havipadm and its password are left alone.
 */
export async function ensureKeyUsers(publicKey: string): Promise<void> {
  await ensureUser(KEY_USER_NOPASSWD, KEY_USER_NOPASSWD_GECOS, publicKey)
  await mustAccounts(['usermod', '--password', '*', KEY_USER_NOPASSWD], `removing the password of ${KEY_USER_NOPASSWD}`)
  await ensureUser(KEY_USER_SUDOPW, KEY_USER_SUDOPW_GECOS, publicKey)
  await setRandomPassword(KEY_USER_SUDOPW, KEY_USER_SUDOPW_PASSWORD_PATH)
  await writeSudoers()
}

// timestamp_timeout=0: every sudo asks for the password, so tests see the same prompt every
// time (a cached credential would hide whether the password is sent only when sudo asks).
const SUDOERS_TEXT = [
  '# HAVIP Manager lab: removed by `npm run lab:down`.',
  `Defaults:${SUDO_USER} !requiretty, !lecture, timestamp_timeout=0`,
  `${SUDO_USER} ALL=(ALL) ALL`,
  `Defaults:${KEY_USER_SUDOPW} !requiretty, !lecture, timestamp_timeout=0`,
  `${KEY_USER_SUDOPW} ALL=(ALL) ALL`,
  `Defaults:${KEY_USER_NOPASSWD} !requiretty, !lecture`,
  `${KEY_USER_NOPASSWD} ALL=(ALL) NOPASSWD: ALL`,
  ''
].join('\n')

async function writeSudoers(): Promise<void> {
  // Written beside the target, then renamed, so sudo never reads a half-written file. sudo skips
  // names containing a dot in sudoers.d, so the temporary file is never live.
  const tmp = `${SUDOERS_FILE}.tmp`
  writeFileSync(tmp, SUDOERS_TEXT, { mode: 0o440 })
  try {
    await must(['visudo', '-c', '-q', '-f', tmp], 'validating the lab sudoers file')
    renameSync(tmp, SUDOERS_FILE)
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** Whether every lab account exists and sudoers grants what the lab promises (a lab from older code may lack some). */
export async function accountsComplete(): Promise<boolean> {
  for (const { name } of LAB_ACCOUNTS) if (!(await userInfo(name)) || !existsSync(`${AUTHORIZED_KEYS_DIR}/${name}`)) return false
  try {
    return readFileSync(SUDOERS_FILE, 'utf8') === SUDOERS_TEXT && existsSync(KEY_USER_SUDOPW_PASSWORD_PATH)
  } catch {
    return false
  }
}

export async function removeAccounts(removeUser: boolean): Promise<void> {
  rmSync(SUDOERS_FILE, { force: true })
  if (!removeUser) return
  for (const { name, gecos } of LAB_ACCOUNTS) {
    rmSync(`/run/sudo/ts/${name}`, { force: true })
    const user = await userInfo(name)
    // Only delete an account the lab made (recognised by its comment), never a real admin's.
    if (user && user.gecos === gecos) await mustAccounts(['userdel', '--force', name], `deleting user ${name}`)
  }
}

export function sudoersPresent(): boolean {
  return existsSync(SUDOERS_FILE)
}
