// The lab's public API (DESIGN.md §5): real Linux "nodes" in namespaces on this machine, each with
// its own sshd. Imported by integration tests, e2e tests, benchmarks and the demo.
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { accountsComplete, createRootKey, createStateDir, ensureKeyUsers, ensureSudoUser, removeAccounts, rootPublicKey, sudoersPresent } from './accounts'
import { withLabLock } from './lock'
import { addNodeNetwork, buildNetwork, checkAddressConflicts, linkExists, listLabNetns, teardownNetwork } from './network'
import { labNamespaces, processesIn, stopLabProcesses } from './processes'
import { isAlive, run } from './run'
import { createHostKey, reloadSshd, sshAnswers, startHolder, writeHostsFile, type NodePlan } from './sshd'
import { nodeExec } from './exec'
import { registerLabUser } from './users'
import {
  BOOKKEEPING_FILE, CLIENT_ADDRESS, CLIENT_NETNS, HOST_ADDRESS, HOST_LINK, KEY_USER_NOPASSWD, KEY_USER_SUDOPW,
  KEY_USER_SUDOPW_PASSWORD_PATH, LAB_ACCOUNTS, LAN_NETNS, MAX_NODES, NODE_PRIVATE_DIRS, tmpfsSizeOf, PREFIX, ROOT_KEY_PATH, STATE_DIR,
  STATE_FILE, SUDOERS_FILE, SUDO_PASSWORD_PATH, SUDO_USER, VIP_POOL, nodeAddress,
  type LabBookkeeping, type LabNode, type LabState
} from './types'

export type { LabKeyUser, LabNode, LabState } from './types'
export { nodeExec, nodeSpawn, clientExec, clientSpawn, killSpawned, resolveNode } from './exec'
export type { ExecOptions, SpawnOpts } from './exec'
export type { RunResult } from './run'
export { registerLabUser, unregisterLabUser, otherLabUsers, waitUntilSoleLabUser } from './users'

export interface LabUpOptions {
  nodes: number
  /** Receives one line per step; silent by default. */
  progress?: (line: string) => void
}

const silent = (): void => {}

/** Binaries the lab itself runs; each maps to the Debian package that provides it. */
const REQUIRED_BINARIES: Record<string, string> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  '/usr/sbin/sshd': 'openssh-server',
  'ssh-keygen': 'openssh-client',
  useradd: 'passwd',
  usermod: 'passwd',
  userdel: 'passwd',
  chpasswd: 'passwd',
  visudo: 'sudo',
  getent: 'libc-bin'
}

export function readLabState(): LabState | null {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabState
  } catch {
    return null
  }
}

function readBookkeeping(): LabBookkeeping | null {
  try {
    return JSON.parse(readFileSync(BOOKKEEPING_FILE, 'utf8')) as LabBookkeeping
  } catch {
    return null
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('lab: must run as root (it creates network namespaces, a user and sshd instances). Re-run as root, e.g. `sudo npm run lab:up`.')
  }
}

async function which(bin: string): Promise<boolean> {
  if (bin.startsWith('/')) return existsSync(bin)
  return (await run(['sh', '-c', 'command -v "$1"', 'which', bin])).code === 0
}

async function ensureBinaries(progress: (line: string) => void): Promise<void> {
  const missing: string[] = []
  for (const [bin, pkg] of Object.entries(REQUIRED_BINARIES)) if (!(await which(bin))) missing.push(`${bin} (${pkg})`)
  if (missing.length === 0) return
  const script = fileURLToPath(new URL('../../scripts/ensure-packages.sh', import.meta.url))
  progress(`missing: ${missing.join(', ')}; running ${script}`)
  const r = await run(['bash', script], { timeoutMs: 600_000 })
  if (r.code !== 0) {
    throw new Error(`lab: missing package(s) for ${missing.join(', ')} and ${script} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}. Install them with apt-get and retry.`)
  }
}

function netnsInode(path: string): number | null {
  try {
    return statSync(path).ino
  } catch {
    return null
  }
}

// The unhealthy reasons that need no rebuild: the lab grows in place, or gains the accounts
// that a lab built by older code lacks (other test runs may be using it).
const TOO_FEW = 'too few nodes'
const ACCOUNTS_OUTDATED = 'the lab predates its key-only users'

/** Why the current lab cannot serve `nodes` nodes, or null when it can as is. */
async function unhealthyReason(state: LabState | null, nodes: number): Promise<string | null> {
  if (!state) return 'no lab state'
  const present = new Set(await listLabNetns())
  for (const ns of [LAN_NETNS, CLIENT_NETNS, ...state.nodes.map((n) => n.netns)]) {
    if (!present.has(ns)) return `namespace ${ns} is missing`
  }
  if (!(await linkExists(HOST_LINK))) return `${HOST_LINK} is missing`
  for (const f of [ROOT_KEY_PATH, SUDO_PASSWORD_PATH, SUDOERS_FILE]) if (!existsSync(f)) return `${f} is missing`
  for (const node of state.nodes) {
    if (!isAlive(node.holderPid)) return `the sshd of ${node.name} (pid ${node.holderPid}) is gone`
    const holderNet = netnsInode(`/proc/${node.holderPid}/ns/net`)
    if (holderNet === null || holderNet !== netnsInode(`/run/netns/${node.netns}`)) {
      return `pid ${node.holderPid} is not in ${node.netns} (stale state)`
    }
    if (!(await sshAnswers(node.address))) return `sshd of ${node.name} does not answer on ${node.address}:22`
  }
  if (!state.keyUsers || !(await accountsComplete())) return ACCOUNTS_OUTDATED
  if (state.nodes.length < nodes) return TOO_FEW
  return null
}

/** Everything labDown removes, in an order that works from any half-built state. */
async function teardown(progress: (line: string) => void): Promise<void> {
  const book = readBookkeeping()
  // Every process the lab started must be gone before down returns: a node's sshd outliving
  // it would race with the next lab up. Found by namespace, not by name or a pid list alone.
  const ns = labNamespaces(await listLabNetns(), readLabState()?.nodes.map((n) => n.holderPid) ?? [])
  await stopLabProcesses(ns, progress)
  await teardownNetwork(progress)
  const survivors = processesIn(ns)
  if (survivors.length > 0) {
    // Something entered a namespace after the stop (a test still running against the lab).
    await stopLabProcesses(ns, progress)
  }
  progress('removing lab accounts and files')
  await removeAccounts(true)
  rmSync(STATE_DIR, { recursive: true, force: true })
  for (const dir of book?.createdMountPoints ?? []) {
    try {
      rmdirSync(dir) // only if still empty: someone may have put files there since
    } catch {
      /* not empty or already gone */
    }
  }
  if (book?.createdRunSshd) {
    try {
      rmdirSync('/run/sshd')
    } catch {
      /* in use by the host's own sshd */
    }
  }
}

async function build(nodes: number, progress: (line: string) => void): Promise<LabState> {
  await checkAddressConflicts()
  createStateDir()
  const book: LabBookkeeping = { createdMountPoints: [], createdRunSshd: false, createdUser: false }
  const saveBook = (): void => writeFileSync(BOOKKEEPING_FILE, JSON.stringify(book, null, 2), { mode: 0o600 })
  saveBook()

  // Mount points for the nodes' private tmpfs must exist in the host tree they inherit.
  for (const dir of NODE_PRIVATE_DIRS) {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o755 })
      book.createdMountPoints.push(dir)
    }
  }
  if (!existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { mode: 0o755 }) // sshd's privilege-separation directory
    book.createdRunSshd = true
  }
  saveBook()

  progress('creating the root key and the lab users')
  const publicKey = await createRootKey()
  book.createdUser = await ensureSudoUser(publicKey)
  await ensureKeyUsers(publicKey)
  saveBook()

  await buildNetwork(nodes, progress)

  const labNodes = await startNodes(nodePlans(nodes), nodePlans(nodes), progress)

  const state: LabState = {
    nodes: labNodes,
    client: { netns: CLIENT_NETNS, address: CLIENT_ADDRESS },
    hostAddress: HOST_ADDRESS,
    prefix: 24,
    rootKeyPath: ROOT_KEY_PATH,
    sudoUser: SUDO_USER,
    sudoPasswordPath: SUDO_PASSWORD_PATH,
    vipPool: VIP_POOL,
    keyUsers: keyUsersState()
  }
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2), { mode: 0o644 })
  return state
}

function keyUsersState(): LabState['keyUsers'] {
  return {
    nopasswdSudo: { name: KEY_USER_NOPASSWD, privateKeyPath: ROOT_KEY_PATH, sudoPasswordPath: null },
    passwordSudo: { name: KEY_USER_SUDOPW, privateKeyPath: ROOT_KEY_PATH, sudoPasswordPath: KEY_USER_SUDOPW_PASSWORD_PATH }
  }
}

/**
 * Adds the key-only users to a running lab built by older code, leaving its nodes, sessions
 * and havipadm's password alone: accounts and sudoers first, then each sshd re-reads its
 * config (same pid; see reloadSshd).
 */
async function addKeyUsersInPlace(current: LabState, progress: (line: string) => void): Promise<LabState> {
  progress(`adding the key-only users ${KEY_USER_NOPASSWD} and ${KEY_USER_SUDOPW} to the running lab`)
  await ensureKeyUsers(rootPublicKey())
  for (const node of current.nodes) await reloadSshd(node, node.holderPid, KEY_USER_NOPASSWD)
  const state: LabState = { ...current, keyUsers: keyUsersState() }
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2), { mode: 0o644 })
  return state
}

function nodePlans(count: number): NodePlan[] {
  return Array.from({ length: count }, (_, k) => ({ name: `n${k + 1}`, netns: `${PREFIX}n${k + 1}`, address: nodeAddress(k + 1) }))
}

async function startNodes(plans: NodePlan[], allPlans: NodePlan[], progress: (line: string) => void): Promise<LabNode[]> {
  const started: LabNode[] = []
  for (const plan of plans) {
    progress(`starting sshd of ${plan.name} on ${plan.address}:22`)
    const key = await createHostKey(plan)
    const holderPid = await startHolder(plan, allPlans)
    started.push({ ...plan, sshPort: 22, holderPid, hostKeyFingerprint: key.fingerprint, hostKeyPublic: key.publicLine })
  }
  return started
}

/** `512m` -> bytes, as `df -B1` reports a tmpfs's size. */
function sizeBytes(size: string): number {
  const m = /^(\d+)([kmg]?)$/.exec(size)
  if (!m) throw new Error(`lab: bad tmpfs size ${size}`)
  return Number(m[1]) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!]!
}

/**
 * Gives a running lab's nodes the tmpfs sizes this code asks for (a lab built by older code has
 * 64m on /opt/havip, too small for the Node.js runtime Create Cluster uploads): `mount -o
 * remount,size=...` inside each node's own mount namespace, which keeps the files, the running
 * processes and the other nodes as they are. Only ever grows a tmpfs.
 */
async function growNodeTmpfs(state: LabState, progress: (line: string) => void): Promise<void> {
  for (const node of state.nodes) {
    for (const dir of NODE_PRIVATE_DIRS) {
      const want = tmpfsSizeOf(dir)
      const df = await nodeExec(node, ['df', '-P', '-B1', dir], { timeoutMs: 10_000 })
      const total = Number(df.stdout.trim().split('\n')[1]?.split(/\s+/)[1])
      if (df.code !== 0 || !Number.isFinite(total)) throw new Error(`lab: cannot read the size of ${dir} in ${node.name}: ${df.stderr.trim()}`)
      if (total >= sizeBytes(want)) continue
      progress(`growing ${dir} in ${node.name} to ${want}`)
      const r = await nodeExec(node, ['mount', '-o', `remount,size=${want}`, dir], { timeoutMs: 10_000 })
      if (r.code !== 0) throw new Error(`lab: remounting ${dir} in ${node.name} with size=${want} failed: ${r.stderr.trim()}`)
    }
  }
}

/** Adds nodes to a healthy lab, leaving the running ones (and whatever runs on them) alone. */
async function grow(current: LabState, nodes: number, progress: (line: string) => void): Promise<LabState> {
  const all = nodePlans(nodes)
  const added = all.slice(current.nodes.length)
  for (let i = current.nodes.length + 1; i <= nodes; i++) await addNodeNetwork(i, progress)
  const addedNodes = await startNodes(added, all, progress)
  for (const plan of all.slice(0, current.nodes.length)) writeHostsFile(plan, all)
  const state: LabState = { ...current, nodes: [...current.nodes, ...addedNodes] }
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2), { mode: 0o644 })
  return state
}

/**
 * Brings up a healthy lab with at least `nodes` nodes. Idempotent: a healthy lab is left as it is
 * (a lab with more nodes than asked also serves); a healthy lab with fewer nodes grows in place,
 * leaving its running nodes alone; anything else is torn down and rebuilt.
 * The calling process is registered as a user of the lab while it lives (see otherLabUsers).
 */
export async function labUp(opts: LabUpOptions): Promise<LabState> {
  return (await labUpDetailed(opts)).state
}

/** labUp, also telling whether this call built the lab (global-setup takes down only what it built). */
export async function labUpDetailed(opts: LabUpOptions): Promise<{ state: LabState; built: boolean }> {
  const progress = opts.progress ?? silent
  const nodes = opts.nodes
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new Error(`lab: --nodes must be a whole number from 1 to ${MAX_NODES}; got ${String(nodes)}`)
  }
  requireRoot()
  return withLabLock('lab up', async () => {
    let reason = await unhealthyReason(readLabState(), nodes)
    const outdated = readLabState()
    if (reason === ACCOUNTS_OUTDATED && outdated) {
      try {
        await addKeyUsersInPlace(outdated, progress)
        reason = await unhealthyReason(readLabState(), nodes)
      } catch (err) {
        progress(`could not update the running lab (${(err as Error).message}); rebuilding it`)
        reason = 'its accounts could not be updated in place'
      }
    }
    if (reason === null) {
      const state = readLabState() as LabState
      await growNodeTmpfs(state, progress)
      progress('lab already up and healthy; nothing to do')
      registerLabUser()
      return { state, built: false }
    }
    const current = readLabState()
    if (reason === TOO_FEW && current) {
      // Grow without touching the running nodes: other test runs may be using them.
      progress(`growing the lab from ${current.nodes.length} to ${nodes} nodes`)
      try {
        const state = await grow(current, nodes, progress)
        await growNodeTmpfs(state, progress)
        registerLabUser()
        return { state, built: false }
      } catch (err) {
        progress('growing failed; tearing the lab down')
        await teardown(progress).catch((e: unknown) => progress(`cleanup also failed: ${(e as Error).message}`))
        throw err
      }
    }
    progress(`building the lab (${reason})`)
    await ensureBinaries(progress)
    await teardown(progress)
    try {
      const state = await build(nodes, progress)
      registerLabUser()
      return { state, built: true }
    } catch (err) {
      progress('build failed; cleaning up what was half built')
      await teardown(progress).catch((e: unknown) => progress(`cleanup also failed: ${(e as Error).message}`))
      throw err
    }
  })
}

/** The current lab and what is wrong with it (null when healthy), for `lab status`. */
export async function labStatus(): Promise<{ state: LabState | null; problem: string | null }> {
  const state = readLabState()
  return { state, problem: state ? await unhealthyReason(state, state.nodes.length) : 'the lab is down' }
}

/** Removes everything the lab made. Idempotent and safe from any half-built state. */
export async function labDown(opts: { progress?: (line: string) => void } = {}): Promise<void> {
  requireRoot()
  await withLabLock('lab down', () => teardown(opts.progress ?? silent))
}

/** What is left of the lab on this machine (for tests and `lab status`); empty when fully down. */
export async function labLeftovers(): Promise<string[]> {
  const left: string[] = []
  for (const ns of await listLabNetns()) left.push(`namespace ${ns}`)
  if (await linkExists(HOST_LINK)) left.push(`link ${HOST_LINK}`)
  if (existsSync(STATE_DIR)) left.push(`directory ${STATE_DIR}`)
  if (sudoersPresent()) left.push(`file ${SUDOERS_FILE}`)
  for (const { name, gecos } of LAB_ACCOUNTS) {
    const r = await run(['getent', 'passwd', name])
    if (r.code === 0 && r.stdout.split(':')[4] === gecos) left.push(`user ${name}`)
  }
  const ps = await run(['ps', '-eo', 'pid=,args='])
  for (const line of ps.stdout.split('\n')) {
    if (line.includes(`${STATE_DIR}/nodes/`) && !line.includes(' ps ')) left.push(`process ${line.trim()}`)
  }
  return left
}

export function labSummary(state: LabState): string {
  const lines = [
    `HAVIP lab: ${state.nodes.length} node(s) on ${state.hostAddress.replace(/\.\d+$/, '.0')}/${state.prefix}`,
    ...state.nodes.map(
      (n) => `  ${n.name.padEnd(4)} ${n.address.padEnd(15)} ssh port ${n.sshPort}  namespace ${n.netns}  host key ${n.hostKeyFingerprint}`
    ),
    `  client ${state.client.address} (namespace ${state.client.netns}); this host is ${state.hostAddress} on ${HOST_LINK}`,
    `  VIPs free for use: ${state.vipPool[0]} .. ${state.vipPool[state.vipPool.length - 1]}`,
    `  root login: key ${state.rootKeyPath}  (e.g. ssh -i ${state.rootKeyPath} root@${state.nodes[0]?.address ?? ''})`,
    `  sudo user: ${state.sudoUser}, password in ${state.sudoPasswordPath} (mode 0600; the same key also works)`,
    ...(state.keyUsers
      ? [
          `  key-only users (key ${state.rootKeyPath}, no password login): ${state.keyUsers.nopasswdSudo.name} (NOPASSWD sudo), ` +
            `${state.keyUsers.passwordSudo.name} (sudo password in ${state.keyUsers.passwordSudo.sudoPasswordPath ?? '?'})`
        ]
      : []),
    `  take it down: npm run lab:down`
  ]
  return lines.join('\n')
}

/** Node of the current lab by name ('n1'); throws an actionable error when absent. */
export function labNode(name: string): LabNode {
  const state = readLabState()
  const node = state?.nodes.find((n) => n.name === name)
  if (!node) throw new Error(`lab: node ${name} is not in the lab (${state ? state.nodes.map((n) => n.name).join(', ') : 'lab is down'})`)
  return node
}

/** known_hosts text pinning every node's host key (for ssh -o UserKnownHostsFile=...). */
export function knownHostsText(state: LabState): string {
  return state.nodes.map((n) => `${n.address} ${n.hostKeyPublic}\n`).join('')
}
