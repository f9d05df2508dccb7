// Capture mode for the Windows replay fixtures (issue 13): runs every named PowerShell script
// of electron/backend/platform/windows/scripts.ts against a real Windows Server over SSH and
// writes fresh fixtures (test/fixtures/windows/<script>/<case>.json) plus INDEX.md.
//
//   npx tsx scripts/capture-windows-fixtures.ts --host H --user U [--port 22]
//       [--key PATH | --agent]            (default: password from HAVIP_SSH_PASSWORD)
//       [--case NAME] [--out DIR] [--data-dir DIR] [--trust-new-host-key] [--with-changes] [--vip A.B.C.D] [--probe-target A.B.C.D]
//       [--agent-replies]
//
// The host key is checked against the app's own pinned keys (its data directory); an unknown
// key is refused unless --trust-new-host-key, a changed one always. The password is read from
// the environment, never from the command line. --with-changes also runs the scripts that
// change the node (it creates the firewall rule "HAVIP-VRRP-capture" for 203.0.113.1); --vip
// gives a candidate VIP for the 'vip-check' script (which pings it once), skipped without it.
// The live console's scripts: 'agent-ctl' runs only `ctl status --json`, 'agent-feed' is recorded
// for 12 s then stopped, and 'agent-probe' (probing --probe-target, a running cluster's VIP, for
// 3 s) only with --probe-target; all three need the agent installed and running on the node.
// --agent-replies, on a node of a cluster HAVIP made: also records the agent's `ctl status
// --json` (and, with --vip, a 3-ping `probe`) through 'run-argv', as Create Cluster runs them.
import * as path from 'node:path'
import type { SshAuth } from '../electron/api/model'
import { captureFixtures, writeFixtures } from '../electron/backend/platform/windows/capture'
import { SshPowerShellRunner } from '../electron/backend/platform/windows/runner'
import { SshError } from '../electron/backend/ssh/errors'
import { Ssh2Session } from '../electron/backend/ssh/session'
import { ensurePrivateDir } from '../electron/backend/store/atomic-file'
import { resolveDataDir } from '../electron/backend/store/data-dir'
import { HostKeyStore } from '../electron/backend/store/host-key-store'

const USAGE =
  'usage: npx tsx scripts/capture-windows-fixtures.ts --host H --user U [--port 22] [--key PATH | --agent] ' +
  '[--case NAME] [--out DIR] [--data-dir DIR] [--trust-new-host-key] [--with-changes] [--vip A.B.C.D] [--probe-target A.B.C.D] [--agent-replies]\n' +
  'Password login reads the password from HAVIP_SSH_PASSWORD.'

function parse(argv: string[]): Map<string, string | true> {
  const m = new Map<string, string | true>()
  const flags = new Set(['--agent', '--trust-new-host-key', '--with-changes', '--agent-replies', '--help'])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (flags.has(a)) m.set(a, true)
    else if (a.startsWith('--') && i + 1 < argv.length) m.set(a, argv[++i]!)
    else throw new Error(`unexpected argument ${JSON.stringify(a)}\n${USAGE}`)
  }
  return m
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2))
  const opt = (k: string): string | undefined => (typeof args.get(k) === 'string' ? (args.get(k) as string) : undefined)
  const host = opt('--host')
  const user = opt('--user')
  if (args.has('--help') || !host || !user) {
    console.log(USAGE)
    return args.has('--help') ? 0 : 2
  }
  const port = Number(opt('--port') ?? 22)
  const key = opt('--key')
  let auth: SshAuth
  if (key) auth = { kind: 'key', privateKeyPath: key, ...(process.env.HAVIP_SSH_PASSPHRASE ? { passphrase: process.env.HAVIP_SSH_PASSPHRASE } : {}) }
  else if (args.has('--agent')) auth = { kind: 'agent' }
  else if (process.env.HAVIP_SSH_PASSWORD) auth = { kind: 'password', password: process.env.HAVIP_SSH_PASSWORD }
  else throw new Error(`give --key, --agent or the password in HAVIP_SSH_PASSWORD\n${USAGE}`)

  const dataDir = resolveDataDir(opt('--data-dir'), process.env)
  ensurePrivateDir(dataDir)
  const hostKeys = new HostKeyStore(path.join(dataDir, 'host-keys.json'))
  const out = path.resolve(opt('--out') ?? path.join(__dirname, '..', 'test', 'fixtures', 'windows'))
  const log = (line: string): void => console.error(line)
  const open = async (): Promise<Ssh2Session> => {
    const s = new Ssh2Session('capture', { host, port, username: user, auth }, hostKeys, { connectTimeoutMs: 15_000, keepaliveIntervalMs: 15_000, log })
    await s.open()
    return s
  }

  let session: Ssh2Session
  try {
    session = await open()
  } catch (e) {
    if (e instanceof SshError && e.kind === 'host-key-unknown' && e.hostKey && args.has('--trust-new-host-key')) {
      log(`pinning ${e.hostKey.keyType} ${e.hostKey.fingerprint} for ${host}:${port} (--trust-new-host-key)`)
      hostKeys.trust(e.hostKey)
      session = await open()
    } else throw e
  }
  try {
    if (!/^OpenSSH_for_Windows_/i.test(session.serverIdent ?? '')) {
      log(`note: ${host} announces "${session.serverIdent}", not Win32-OpenSSH; capturing anyway`)
    }
    const fixtures = await captureFixtures(new SshPowerShellRunner(session, { timeoutMs: 120_000 }), {
      ...(opt('--case') ? { caseName: opt('--case')! } : {}),
      withChanges: args.has('--with-changes'),
      agent: args.has('--agent-replies'),
      ...(opt('--vip') ? { vip: opt('--vip')! } : {}),
      ...(opt('--probe-target') ? { probeTarget: opt('--probe-target')! } : {}),
      date: new Date(),
      log
    })
    for (const f of writeFixtures(out, fixtures)) console.log(f)
    if (args.has('--with-changes')) log('The firewall rule HAVIP-VRRP-capture was created: Remove-NetFirewallRule -Name HAVIP-VRRP-capture removes it.')
    return 0
  } finally {
    await session.close()
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof SshError ? `${e.message}\n${e.hint}` : e instanceof Error ? e.message : String(e))
    process.exit(1)
  }
)
