// Lab accounts: root logs in with a lab-generated key; a non-root sudo user logs in with a random
// password (and the key). Secrets live in the state dir, mode 0600, and are never printed here.
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { must, run } from './run'
import {
  AUTHORIZED_KEYS_DIR, ROOT_KEY_PATH, STATE_DIR, SUDOERS_FILE, SUDO_PASSWORD_PATH, SUDO_USER, SUDO_USER_GECOS,
  SUDO_USER_HOME, USERS_DIR
} from './types'

/**
 * The state dir is 0711, not 0700: sshd reads a user's AuthorizedKeysFile as that user, so the
 * sudo user must be able to traverse (not list) it. Every secret inside is its own 0600 file.
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

async function userUid(name: string): Promise<{ uid: number; gid: number; gecos: string } | null> {
  const r = await run(['getent', 'passwd', name])
  if (r.code !== 0) return null
  const f = r.stdout.trim().split(':')
  return { uid: Number(f[2]), gid: Number(f[3]), gecos: f[4] ?? '' }
}

/** Creates the sudo user if missing; returns whether the lab created it (so down removes only its own). */
export async function ensureSudoUser(publicKey: string): Promise<boolean> {
  let created = false
  let user = await userUid(SUDO_USER)
  if (!user) {
    await must(
      ['useradd', '--no-create-home', '--home-dir', SUDO_USER_HOME, '--shell', '/bin/bash', '--comment', SUDO_USER_GECOS, '--user-group', SUDO_USER],
      `creating user ${SUDO_USER}`
    )
    created = true
    user = await userUid(SUDO_USER)
    if (!user) throw new Error(`lab: user ${SUDO_USER} was created but getent cannot find it; check /etc/nsswitch.conf`)
  }
  mkdirSync(`${STATE_DIR}/home`, { mode: 0o755 })
  mkdirSync(SUDO_USER_HOME, { mode: 0o700 })
  chownSync(SUDO_USER_HOME, user.uid, user.gid)

  // Password: random, set through chpasswd's stdin so it never appears on a command line.
  const password = randomBytes(18).toString('base64url')
  writeFileSync(SUDO_PASSWORD_PATH, `${password}\n`, { mode: 0o600 })
  await must(['chpasswd'], `setting the password of ${SUDO_USER}`, { input: `${SUDO_USER}:${password}\n` })

  for (const name of ['root', SUDO_USER]) {
    writeFileSync(`${AUTHORIZED_KEYS_DIR}/${name}`, `${publicKey}\n`, { mode: 0o644 })
  }

  // timestamp_timeout=0: every sudo asks for the password, so tests see the same prompt every
  // time (a cached credential would make `sudo -S` swallow the next command's stdin).
  const sudoers = [
    '# HAVIP Manager lab: removed by `npm run lab:down`.',
    `Defaults:${SUDO_USER} !requiretty, !lecture, timestamp_timeout=0`,
    `${SUDO_USER} ALL=(ALL) ALL`,
    ''
  ].join('\n')
  // Written beside the target, then renamed, so sudo never reads a half-written file. sudo skips
  // names containing a dot in sudoers.d, so the temporary file is never live.
  const tmp = `${SUDOERS_FILE}.tmp`
  writeFileSync(tmp, sudoers, { mode: 0o440 })
  try {
    await must(['visudo', '-c', '-q', '-f', tmp], 'validating the lab sudoers file')
    renameSync(tmp, SUDOERS_FILE)
  } finally {
    rmSync(tmp, { force: true })
  }
  return created
}

export async function removeAccounts(removeUser: boolean): Promise<void> {
  rmSync(SUDOERS_FILE, { force: true })
  if (removeUser) {
    const user = await userUid(SUDO_USER)
    // Only delete the account the lab made (recognised by its comment), never a real admin's.
    if (user && user.gecos === SUDO_USER_GECOS) {
      await must(['userdel', '--force', SUDO_USER], `deleting user ${SUDO_USER}`)
    }
  }
}

export function sudoersPresent(): boolean {
  return existsSync(SUDOERS_FILE)
}
