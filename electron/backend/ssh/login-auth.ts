// How a session logs in, as ssh2 wants it: a password (also answered to keyboard-interactive
// prompts, which is how PAM asks), a private key file read at connect time, or an SSH agent.
// Read on every (re)connect, so a key file or agent socket fixed after a failure is used.
import * as fs from 'node:fs'
import type { ConnectConfig, KeyboardInteractiveCallback, Prompt } from 'ssh2'
import type { SshTarget } from '../../api/model'
import { explainWindowsAuthFailure } from '../platform/windows/detect'
import { mapSshError, SshError } from './errors'

/** The auth part of ssh2's ConnectConfig for this target. Throws a typed SshError when it cannot be built. */
export function loginAuthConfig(target: SshTarget): Partial<ConnectConfig> {
  const { auth, host, port, username } = target
  switch (auth.kind) {
    case 'password':
      return { password: auth.password, tryKeyboard: true }
    case 'key': {
      let privateKey: Buffer
      try {
        privateKey = fs.readFileSync(auth.privateKeyPath)
      } catch (e) {
        throw mapSshError(e, { host, port, phase: 'auth' })
      }
      const c: Partial<ConnectConfig> = { privateKey }
      if (auth.passphrase !== undefined) c.passphrase = auth.passphrase
      return c
    }
    case 'agent': {
      const sock = auth.socketPath ?? process.env.SSH_AUTH_SOCK ?? (process.platform === 'win32' ? 'pageant' : undefined)
      if (!sock) {
        throw new SshError({
          kind: 'invalid-input',
          host,
          port,
          message: `No SSH agent is available to log in to ${username}@${host}:${port}.`,
          hint: 'Start ssh-agent and add a key (ssh-add), make SSH_AUTH_SOCK visible to HAVIP Manager, or give the agent socket path.'
        })
      }
      return { agent: sock }
    }
  }
}

/**
 * Servers that do passwords through PAM ask via keyboard-interactive: answer every echo-off
 * prompt with the password, nothing else.
 */
export function answerKeyboardInteractive(target: SshTarget, prompts: Prompt[], finish: KeyboardInteractiveCallback): void {
  const pw = target.auth.kind === 'password' ? target.auth.password : ''
  finish(prompts.map((p) => (p.echo ? '' : pw)))
}

/**
 * Why a connect or login failed, as an SshError. On a Windows OpenSSH server (told by its
 * identification string, read before authentication) a refused login carries the Windows
 * rule for where an administrator's key must be (platform/windows/detect.ts).
 */
export function loginFailureError(
  e: unknown,
  ctx: { host: string; port: number; phase: 'connect' | 'auth' },
  target: SshTarget,
  serverIdent: string | undefined
): SshError {
  return explainWindowsAuthFailure(mapSshError(e, ctx), serverIdent, target.auth.kind)
}
