// The interactive login shell behind a terminal tab: a PTY (RFC 4254 §6.2) and a shell
// (§6.5) on a session's connection, as its login user, never through sudo. It takes none of
// the session's channel slots (channel-slots.ts): a terminal stays open for hours, and holding
// a slot that long would leave fewer for the app's own execs and uploads.
import type { Client, ClientChannel } from 'ssh2'
import { mapSshError } from './errors'
import type { ShellPty } from './session-types'

export function openShellChannel(client: Client, pty: ShellPty, target: { host: string; port: number }): Promise<ClientChannel> {
  const { host, port } = target
  return new Promise<ClientChannel>((resolve, reject) => {
    try {
      client.shell({ term: pty.term, cols: pty.cols, rows: pty.rows, width: 0, height: 0 }, {}, (err, channel) =>
        err ? reject(mapSshError(err, { host, port, phase: 'exec' })) : resolve(channel)
      )
    } catch (e) {
      // ssh2 throws synchronously when the connection ended between the check and the request.
      reject(mapSshError(e, { host, port, phase: 'exec' }))
    }
  })
}
