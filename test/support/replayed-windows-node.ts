// A replayed Windows node: an in-process ssh2 server that announces itself as Win32-OpenSSH
// does ("SSH-2.0-OpenSSH_for_Windows_8.1") and answers each exec request by decoding the
// PowerShell command it got and replaying the recorded run of that script
// (test/fixtures/windows). It is a replay, not Windows: it proves the wire format, the
// detection and what the app does with the recorded answers, not what Windows prints.
// A streaming script named in `holdOpen` (the live feed, the probe) keeps its channel open after
// its recorded lines, as the real stream does, until the client closes it; a test can write
// the lines of another recorded case into it (continueStream), as the node would print them.
// A recording that ends with the script's closing document ({"havip":1,...}: the script has
// finished, e.g. "not installed") ends its channel even then, as the script does.
// It listens on a Unix socket (unit tests: no IP traffic) or on 127.0.0.1 (browser-mode e2e,
// where the app dials it like any node). Password login only; keys are refused, as a Windows
// node refuses a key missing from administrators_authorized_keys.
// Two answers are computed, not recorded, and said so where they are made: 'place-file' /
// 'remove-file' (the upload's temp name is random), and the cluster.json a read returns once the
// app has placed one (the file it sent, read back; the rest of that answer is the recording).
// Which recording answers may follow what the node was told (`cases` as a function): a node
// that was sent current.json answers deploy-inspect as installed, and so on
// (test/support/windows-cluster-node.ts).
import { createHash } from 'node:crypto'
import * as net from 'node:net'
import { Server, utils, type Connection, type ServerChannel, type SFTPWrapper } from 'ssh2'
import { WIN_CLUSTER_JSON, WIN_DATA, WIN_ROOT } from '../../electron/backend/deploy/windows/windows-layout'
import { identifyScript, type ScriptParams } from '../../electron/backend/platform/windows/runner'
import type { WindowsScriptName } from '../../electron/backend/platform/windows/scripts'
import { testHostKey, type TestHostKey } from './ssh-host-key'
import { sameParams, type WindowsFixture } from '../../electron/backend/platform/windows/fixtures'
import { casesFixtures, SERVER_2022_CASES, windowsFixture, type WindowsCases } from './windows-fixtures'

export const WIN32_OPENSSH_IDENT = 'OpenSSH_for_Windows_8.1'

export interface ReplayedWindowsNodeOptions {
  /** Where to listen: a Unix socket path, or a port on 127.0.0.1 (0 = any free port). */
  listen: { socketPath: string } | { port: number }
  password: string
  /** The server's software version (default Win32-OpenSSH 8.1); a portable OpenSSH one plays a Linux sshd's banner. */
  ident?: string
  /** The host key (default: a fresh one). */
  hostKey?: TestHostKey
  /**
   * Which recorded case answers each script (default: one Windows Server 2022 node); with several
   * cases for a script, the one whose parameters equal the run's. Read at every exec, so a test
   * may change it between runs. Or a chooser, asked for every run.
   */
  cases?: WindowsCases | CaseChooser
  /** Streaming scripts whose channel stays open after the recorded lines, until the client closes it. */
  holdOpen?: readonly WindowsScriptName[]
  /** Called for every script run identified, before it is answered (a test's view of what was sent). */
  onRun?: (name: WindowsScriptName, params: Record<string, unknown>) => void
}

/** Picks the recorded case for one run (undefined: none, answered as cmd.exe answers an unknown command). */
export type CaseChooser = (name: WindowsScriptName, params: ScriptParams, node: { files: ReadonlyMap<string, Buffer> }) => string | undefined

export interface ReplayedWindowsNode {
  /** The TCP port on 127.0.0.1 (undefined when listening on a Unix socket). */
  port: number | undefined
  socketPath: string | undefined
  hostKey: TestHostKey
  /** Every exec command line received, in order. */
  execs: string[]
  /** What the SFTP server received, by SFTP path. */
  sftpFiles: Map<string, Buffer>
  /** The parameters of the place-file / remove-file runs it answered. */
  placed: Array<Record<string, unknown>>
  /** Files the app placed (place-file with a matching checksum), by their Windows path; deploy-remove empties the HAVIP folders. */
  files: Map<string, Buffer>
  /** Every script run identified, in order. */
  runs: Array<{ name: WindowsScriptName; params: Record<string, unknown> }>
  /** How many held-open streams of a script are open now (the client has not closed them). */
  openStreams(name: WindowsScriptName): number
  /** Writes the recorded stdout of script/case into every open stream of that script. */
  continueStream(name: WindowsScriptName, caseName: string): void
  stop(): Promise<void>
}

const STOP_TIMEOUT_MS = 2000

export async function startReplayedWindowsNode(opts: ReplayedWindowsNodeOptions): Promise<ReplayedWindowsNode> {
  const hostKey = opts.hostKey ?? testHostKey()
  const cases: WindowsCases | CaseChooser = opts.cases ?? SERVER_2022_CASES
  const execs: string[] = []
  const runs: Array<{ name: WindowsScriptName; params: Record<string, unknown> }> = []
  const held = new Map<WindowsScriptName, Set<ServerChannel>>()
  const hold = new Set(opts.holdOpen ?? [])
  const sftpFiles = new Map<string, Buffer>()
  const placed: Array<Record<string, unknown>> = []
  const files = new Map<string, Buffer>()

  const sshServer = new Server({ hostKeys: [hostKey.private], ident: opts.ident ?? WIN32_OPENSSH_IDENT }, (client: Connection) => {
    client.on('error', () => {})
    client.on('authentication', (c) => {
      if (c.method === 'password' && c.password === opts.password) c.accept()
      else c.reject(['password', 'publickey'])
    })
    client.on('session', (accept) => {
      const sess = accept()
      sess.on('sftp', (acceptSftp) => serveUploads(acceptSftp(), sftpFiles))
      sess.on('exec', (acceptExec, _reject, info) => {
        const stream = acceptExec()
        execs.push(info.command)
        const run = identifyScript(info.command.split(' '))
        if (run) {
          runs.push({ name: run.name, params: run.params })
          opts.onRun?.(run.name, run.params)
        }
        const keep = run && hold.has(run.name) ? run.name : undefined
        if (keep) {
          const open = held.get(keep) ?? new Set<ServerChannel>()
          held.set(keep, open)
          open.add(stream)
          // Read (and drop) what the client sends, so that its close is seen: a paused stream never ends.
          stream.resume()
          stream.once('close', () => open.delete(stream))
        }
        answer(stream, info.command, { cases, sftpFiles, placed, files }, keep !== undefined)
      })
    })
  })

  const sockets = new Set<net.Socket>()
  const listener = net.createServer((s) => {
    s.on('error', () => {})
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
    sshServer.injectSocket(s)
  })
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    if ('socketPath' in opts.listen) listener.listen(opts.listen.socketPath, () => resolve())
    else listener.listen(opts.listen.port, '127.0.0.1', () => resolve())
  })
  const addr = listener.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : undefined,
    socketPath: 'socketPath' in opts.listen ? opts.listen.socketPath : undefined,
    hostKey,
    execs,
    sftpFiles,
    placed,
    files,
    runs,
    openStreams: (name) => held.get(name)?.size ?? 0,
    continueStream(name, caseName) {
      const f = windowsFixture(name, caseName)
      for (const s of held.get(name) ?? []) s.write(f.stdout)
    },
    async stop() {
      for (const s of sockets) s.destroy()
      await Promise.race([
        new Promise<void>((r) => listener.close(() => r())),
        new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref())
      ])
    }
  }
}

interface NodeState {
  cases: WindowsCases | CaseChooser
  sftpFiles: Map<string, Buffer>
  placed: Array<Record<string, unknown>>
  files: Map<string, Buffer>
}

/** The recorded run that answers `run`: the chooser's case, or the one `cases` names (by equal parameters when it names several). */
function recordingFor(run: { name: WindowsScriptName; params: ScriptParams }, node: NodeState): WindowsFixture | undefined {
  if (typeof node.cases === 'function') {
    const c = node.cases(run.name, run.params, node)
    return c === undefined ? undefined : windowsFixture(run.name, c)
  }
  const named = node.cases[run.name]
  return named !== undefined ? casesFixtures({ [run.name]: named }).find((f) => typeof named === 'string' || sameParams(f.params, run.params)) : undefined
}

/** Answer one exec request: a recorded run, a computed upload result, or cmd.exe's "not recognized". */
function answer(stream: ServerChannel, command: string, node: NodeState, holdOpen: boolean): void {
  const run = identifyScript(command.split(' '))
  if (run?.name === 'place-file' || run?.name === 'remove-file') {
    // Not a recording: the upload's temp name is random, so this node computes the answer
    // the script documents (the SHA-256 of what SFTP wrote at the temp path).
    const temp = `/${String(run.params.temp ?? run.params.path).replace(/\\/g, '/')}`
    const got = node.sftpFiles.get(temp)
    node.placed.push(run.params)
    const sha = got ? createHash('sha256').update(got).digest('hex') : ''
    const placed = run.name === 'place-file' && got !== undefined && sha === run.params.sha256
    if (placed) node.files.set(String(run.params.dest), got)
    const result = run.name === 'remove-file' ? { removed: !!got } : { placed, sha256: sha }
    stream.write(`${JSON.stringify({ havip: 1, result })}\n`)
    stream.exit(0)
    stream.end()
    return
  }
  const recorded = run ? recordingFor(run, node) : undefined
  if (run && recorded) {
    stream.write(readBack(run.name, recorded.stdout, node.files))
    stream.stderr.write(recorded.stderr)
    if (holdOpen && !endsWithClosingDocument(recorded.stdout)) return // a stream: open until the client closes it
    stream.exit(recorded.exitCode)
    if (run.name === 'deploy-remove' && recorded.exitCode === 0) {
      for (const p of [...node.files.keys()]) if (p.startsWith(`${WIN_ROOT}\\`) || p.startsWith(`${WIN_DATA}\\`)) node.files.delete(p)
    }
  } else {
    stream.stderr.write(`'${command.split(' ')[0]}' is not recognized as an internal or external command,\r\n`)
    stream.exit(1)
  }
  stream.end()
}

/** Does the recorded stdout end with the envelope a script prints as it ends (encoded-command.ts)? */
function endsWithClosingDocument(stdout: string): boolean {
  return (stdout.trim().split('\n').pop() ?? '').startsWith('{"havip":')
}

/**
 * A read of cluster.json (deploy-inspect, cluster-read) returns the cluster.json the app placed
 * on this node, when it placed one: computed, like the upload answers (a recording cannot know
 * the id of a cluster created in the test). Everything else in the answer is the recording's.
 */
function readBack(name: WindowsScriptName, stdout: string, files: ReadonlyMap<string, Buffer>): string {
  const placed = files.get(WIN_CLUSTER_JSON)
  if (!placed || (name !== 'deploy-inspect' && name !== 'cluster-read')) return stdout
  const env = JSON.parse(stdout) as { havip: number; result?: Record<string, unknown> }
  if (!env.result || !('clusterJson' in env.result)) return stdout
  return `${JSON.stringify({ ...env, result: { ...env.result, clusterJson: placed.toString('utf8') } })}\n`
}

/** Just enough of an SFTP server for uploads: OPEN, WRITE, CLOSE; files kept by their SFTP path. */
function serveUploads(sftp: SFTPWrapper, files: Map<string, Buffer>): void {
  const open = new Map<number, { path: string; chunks: Buffer[] }>()
  let next = 0
  sftp.on('OPEN', (reqid, filename) => {
    const h = next++
    open.set(h, { path: filename, chunks: [] })
    const handle = Buffer.alloc(4)
    handle.writeUInt32BE(h)
    sftp.handle(reqid, handle)
  })
  sftp.on('WRITE', (reqid, handle, _offset, data) => {
    open.get(handle.readUInt32BE(0))?.chunks.push(Buffer.from(data))
    sftp.status(reqid, utils.sftp.STATUS_CODE.OK)
  })
  sftp.on('CLOSE', (reqid, handle) => {
    const f = open.get(handle.readUInt32BE(0))
    if (f) files.set(f.path, Buffer.concat(f.chunks))
    sftp.status(reqid, utils.sftp.STATUS_CODE.OK)
  })
}
