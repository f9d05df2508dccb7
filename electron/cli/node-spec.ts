// `--node [USER@]HOST[:PORT]`: one node to reach over SSH. IPv6 addresses go in brackets
// (`root@[2001:db8::1]:2222`) as in ssh and URLs. Checked with the API's own schemas, so the
// CLI accepts exactly the hosts and user names the app accepts.
import * as os from 'node:os'
import { HostSchema, PortSchema, UsernameSchema } from '../api/model'
import { UsageError } from './args'

export interface NodeSpec {
  username: string
  host: string
  port: number
  /** As typed, for messages. */
  text: string
}

function firstIssue(r: { success: false; error: { issues: { message: string }[] } }): string {
  return r.error.issues[0]?.message ?? 'invalid'
}

export function parseNodeSpec(text: string, defaultUser = os.userInfo().username): NodeSpec {
  let rest = text.trim()
  let username = defaultUser
  const at = rest.lastIndexOf('@')
  if (at >= 0) {
    username = rest.slice(0, at)
    rest = rest.slice(at + 1)
  }
  let host = rest
  let portText: string | undefined
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0) throw new UsageError(`--node ${text}: an IPv6 address in brackets needs its closing "]".`)
    host = rest.slice(1, close)
    const after = rest.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) throw new UsageError(`--node ${text}: expected ":PORT" after "]".`)
      portText = after.slice(1)
    }
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    ;[host, portText] = rest.split(':') as [string, string]
  }
  const u = UsernameSchema.safeParse(username)
  if (!u.success) throw new UsageError(`--node ${text}: ${firstIssue(u)}.`)
  const h = HostSchema.safeParse(host)
  if (!h.success) throw new UsageError(`--node ${text}: ${firstIssue(h)}.`)
  let port = 22
  if (portText !== undefined) {
    const p = /^\d+$/.test(portText) ? PortSchema.safeParse(portText) : null
    if (!p?.success) throw new UsageError(`--node ${text}: the port must be a number from 1 to 65535, got "${portText}".`)
    port = p.data
  }
  return { username: u.data, host: h.data, port, text }
}

/** How a node is named in messages and matched against saved connections. */
export function nodeKey(n: { username: string; host: string; port: number }): string {
  return `${n.username}@${n.host}:${n.port}`.toLowerCase()
}
