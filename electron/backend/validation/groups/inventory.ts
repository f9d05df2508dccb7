// Inventory: what each node is (OS, kernel, CPU), whether the agent can run there (Node.js or
// the glibc the bundled runtime needs, disk space under /opt), and how the nodes compare
// (unique hostnames, clocks that agree).
import { SshPowerShellRunner } from '../../platform/windows/runner'
import { windowsErrorToSsh } from '../../platform/windows/script-result'
import { parseTimeStatus, type WindowsTimeStatus } from '../../platform/windows/time-status'
import type { NodeContext, ValidationTestDef } from '../test-module'
import { fail, fromEveryNode, meta, ok, run, warn } from './remote'

/** Official Node.js 18+ binaries (the runtime the agent bundle can carry) need glibc 2.28 or later. */
export const BUNDLED_RUNTIME_MIN_GLIBC = [2, 28] as const
/**
 * Space under /opt/havip: an agent release is about 2 MB (bundle + native prebuilds); the Node
 * runtime HAVIP bundles for nodes without a usable Node.js is about 100 MB. "Comfort" leaves room
 * for the next release beside the current one (releases/<version>/, switched atomically).
 */
export const AGENT_DISK_NEEDED_MB = 10
export const AGENT_DISK_COMFORT_MB = 50
export const RUNTIME_DISK_NEEDED_MB = 150
export const RUNTIME_DISK_COMFORT_MB = 300
/** VRRP itself does not care about clocks; logs, certificates and the cluster's event history do. */
export const CLOCK_SKEW_WARN_S = 2
export const CLOCK_SKEW_FAIL_S = 60

const osKernel: ValidationTestDef = {
  meta: meta('inventory', 'os-kernel', 'Operating system and kernel', 'Which operating system and kernel the node runs: the agent runs on Linux (kernel 3.10 or later).', 'node', false),
  async runNode(node) {
    const f = node.facts
    const os = f.os.prettyName || f.os.name
    const evidence = [
      { label: 'os-release', value: os || '(unreadable)' },
      { label: 'kernel', value: f.kernel || '(unknown)' }
    ]
    if (f.platform !== 'linux') {
      return fail(`${node.label} runs ${os || f.platform}; HAVIP's agent runs on Linux only for now.`, 'Use Linux nodes (Windows support comes with a later release).', evidence)
    }
    const m = /^(\d+)\.(\d+)/.exec(f.kernel)
    if (!m) return warn(`${node.label}: the kernel version "${f.kernel}" could not be read.`, 'Check that `uname -r` works on the node.', evidence)
    const [major, minor] = [Number(m[1]), Number(m[2])]
    if (major < 3 || (major === 3 && minor < 10)) {
      return fail(`${node.label} runs kernel ${f.kernel}, older than 3.10.`, 'Upgrade the node to a supported distribution (kernel 3.10 or later).', evidence)
    }
    if (!os) return warn(`${node.label} runs Linux kernel ${f.kernel}, but /etc/os-release could not be read.`, 'Check /etc/os-release (or /usr/lib/os-release) on the node.', evidence)
    return ok(`${node.label} runs ${os}, kernel ${f.kernel}.`, evidence)
  }
}

const ARCH: Record<string, 'x64' | 'arm64'> = { x86_64: 'x64', amd64: 'x64', aarch64: 'arm64', arm64: 'arm64' }

const cpuArch: ValidationTestDef = {
  meta: meta('inventory', 'cpu-arch', 'CPU architecture supported', 'The CPU architecture is one the agent and its native parts are built for: x64 or arm64.', 'node', false),
  // Reads only the facts, which Windows nodes have in the same shape.
  platforms: ['linux', 'windows'],
  async runNode(node) {
    const arch = node.facts.arch
    const evidence = [{ label: 'uname -m', value: arch || '(unknown)' }]
    const ours = ARCH[arch]
    if (ours) return ok(`${node.label} is ${arch} (${ours}), which the agent supports.`, evidence)
    return fail(`${node.label} is ${arch || 'of an unknown architecture'}; the agent is built for x64 and arm64 only.`, 'Use an x86-64 or 64-bit ARM node.', evidence)
  }
}

const hostnameUnique: ValidationTestDef = {
  meta: meta('inventory', 'hostname-unique', 'Hostname unique across the nodes', 'Every node has its own hostname: logs, the report and the cluster name nodes by it.', 'cluster', false),
  // Reads only the facts, which Windows nodes have in the same shape.
  platforms: ['linux', 'windows'],
  async runCluster(cluster) {
    const byName = new Map<string, string[]>()
    for (const n of cluster.nodes) {
      const h = n.facts.hostname.trim().toLowerCase()
      byName.set(h, [...(byName.get(h) ?? []), n.label])
    }
    return Object.fromEntries(
      cluster.nodes.map((n) => {
        const h = n.facts.hostname.trim()
        const evidence = [{ label: 'hostname', value: h || '(empty)' }]
        if (!h || h === 'localhost' || h === 'localhost.localdomain') {
          return [n.nodeId, fail(`${n.label} has no real hostname ("${h || ''}").`, 'Give the node its own name: hostnamectl set-hostname NAME (and update /etc/hosts).', evidence)]
        }
        const same = byName.get(h.toLowerCase())!.filter((l) => l !== n.label)
        if (same.length > 0) {
          return [n.nodeId, fail(`${n.label} and ${same.join(', ')} all call themselves "${h}".`, 'Give every node its own hostname (hostnamectl set-hostname NAME), then validate again.', evidence)]
        }
        return [n.nodeId, ok(`${n.label} is "${h}", unique among the ${cluster.nodes.length} node(s).`, evidence)]
      })
    )
  }
}

/** "ldd (Debian GLIBC 2.36-9) 2.36" or getconf's "glibc 2.36" → [2, 36]; undefined for musl and others. */
export function parseGlibcVersion(text: string): [number, number] | undefined {
  const m = /(?:glibc|GNU libc)[^\n]*?(\d+)\.(\d+)/i.exec(text)
  return m ? [Number(m[1]), Number(m[2])] : undefined
}

const nodeRuntime: ValidationTestDef = {
  meta: meta(
    'inventory',
    'node-runtime',
    'A usable Node.js, or the glibc the bundled runtime needs',
    'The agent runs on the node\'s Node.js 18 or later; without one, HAVIP deploys its own Node runtime, which needs glibc 2.28 or later.',
    'node',
    false
  ),
  async runNode(node) {
    const v = node.facts.nodeVersion
    const major = v ? Number(/^v?(\d+)\./.exec(v)?.[1]) : NaN
    if (major >= 18) return ok(`${node.label} has Node.js ${v}: the agent runs on it.`, [{ label: 'node --version', value: v! }])
    const r = await run(node, ['getconf', 'GNU_LIBC_VERSION'])
    const text = r.code === 0 ? r.stdout : (await run(node, ['ldd', '--version'])).stdout.split('\n')[0] ?? ''
    const glibc = parseGlibcVersion(text)
    const evidence = [
      { label: 'node --version', value: v ?? '(no Node.js)' },
      { label: 'glibc', value: glibc ? glibc.join('.') : '(not found: musl or an unknown C library)' }
    ]
    const why = v ? `Node.js ${v} is older than 18` : 'Node.js is not installed'
    const [needMaj, needMin] = BUNDLED_RUNTIME_MIN_GLIBC
    if (glibc && (glibc[0] > needMaj || (glibc[0] === needMaj && glibc[1] >= needMin))) {
      return warn(
        `${node.label}: ${why}; its glibc ${glibc.join('.')} runs the Node runtime HAVIP bundles, which deploy will install under /opt/havip.`,
        'Nothing is required. To use the distribution\'s Node.js instead, install Node.js 18 or later (e.g. apt install nodejs).',
        evidence
      )
    }
    return fail(
      `${node.label}: ${why}, and ${glibc ? `its glibc ${glibc.join('.')} is older than ${needMaj}.${needMin}` : 'no glibc was found'}, so the bundled runtime cannot run either.`,
      'Install Node.js 18 or later on the node (from the distribution or nodejs.org), then validate again.',
      evidence
    )
  }
}

/** `df -Pk PATH` → available KiB and the mount point. */
export function parseDfAvailable(text: string): { availKb: number; mount: string } | undefined {
  const line = text.trim().split('\n')[1]
  const f = line?.trim().split(/\s+/)
  if (!f || f.length < 6 || !/^\d+$/.test(f[3]!)) return undefined
  return { availKb: Number(f[3]), mount: f.slice(5).join(' ') }
}

const diskSpace: ValidationTestDef = {
  meta: meta(
    'inventory',
    'disk-space',
    'Free disk space for the agent',
    `Free space under /opt for the agent's releases: ${AGENT_DISK_NEEDED_MB} MB, or ${RUNTIME_DISK_NEEDED_MB} MB when HAVIP must bring its own Node runtime (no Node.js 18+ on the node).`,
    'node',
    false
  ),
  async runNode(node) {
    const ownRuntime = !(Number(/^v?(\d+)\./.exec(node.facts.nodeVersion ?? '')?.[1]) >= 18)
    const [needed, comfort] = ownRuntime ? [RUNTIME_DISK_NEEDED_MB, RUNTIME_DISK_COMFORT_MB] : [AGENT_DISK_NEEDED_MB, AGENT_DISK_COMFORT_MB]
    const forWhat = ownRuntime ? 'the agent and the Node runtime HAVIP brings (no Node.js 18+ here)' : 'the agent (it runs on the node\'s Node.js)'
    // /opt/havip if it exists (a mount of its own in some setups), else /opt, else /.
    let r = await run(node, ['df', '-Pk', '/opt/havip'])
    let where = '/opt/havip'
    if (r.code !== 0) [r, where] = [await run(node, ['df', '-Pk', '/opt']), '/opt']
    if (r.code !== 0) [r, where] = [await run(node, ['df', '-Pk', '/']), '/']
    const df = parseDfAvailable(r.stdout)
    if (!df) return fail(`${node.label}: free space under /opt could not be read (df: ${r.stderr.trim() || `exit ${r.code}`}).`, 'Check that `df -Pk /opt` works on the node.')
    const mb = Math.floor(df.availKb / 1024)
    const evidence = [
      { label: `free on ${df.mount} (for ${where})`, value: `${mb} MB` },
      { label: 'needed', value: `${needed} MB for ${forWhat}` }
    ]
    if (mb < needed) {
      return fail(`${node.label} has ${mb} MB free on ${df.mount} (for ${where}); ${forWhat} needs ${needed} MB.`, `Free at least ${needed - mb} MB on ${df.mount}, or mount more space at /opt/havip${ownRuntime ? ', or install Node.js 18+ so that HAVIP needs no runtime of its own' : ''}.`, evidence)
    }
    if (mb < comfort) {
      return warn(`${node.label} has ${mb} MB free on ${df.mount}: enough for ${forWhat}, tight for an upgrade beside it.`, `Free some space on ${df.mount} (${comfort} MB leaves room for upgrades).`, evidence)
    }
    return ok(`${node.label} has ${mb} MB free on ${df.mount} (for ${where}), enough for ${forWhat}.`, evidence)
  }
}

const clockSkew: ValidationTestDef = {
  meta: meta('inventory', 'clock-skew', 'Clocks agree between the nodes', 'The nodes\' clocks agree within a few seconds, so that logs, events and certificates line up.', 'cluster', false),
  // Linux and Windows nodes alike: a mixed cluster compares all of its clocks.
  platforms: ['linux', 'windows'],
  async runCluster(cluster) {
    // Each node's offset from this machine's clock, taken as the midpoint of the round trip.
    const offsets = await fromEveryNode(cluster, 'Reading the clock', async (n) => {
      const t0 = Date.now()
      const clock = await readClock(n)
      const t1 = Date.now()
      return { offsetMs: clock.nowMs - (t0 + t1) / 2, rttMs: t1 - t0, windows: clock.windows }
    })
    const values = [...offsets.values()].flatMap((o) => (o.ok ? [o.value.offsetMs] : [])).sort((a, b) => a - b)
    const median = values[Math.floor(values.length / 2)] ?? 0
    return Object.fromEntries(
      cluster.nodes.map((n) => {
        const o = offsets.get(n.nodeId)!
        if (!o.ok) return [n.nodeId, o.outcome]
        const skewS = (o.value.offsetMs - median) / 1000
        const evidence = [
          { label: 'offset from the other nodes (median)', value: `${skewS.toFixed(2)} s` },
          { label: 'offset from this computer', value: `${(o.value.offsetMs / 1000).toFixed(2)} s (round trip ${o.value.rttMs} ms)` }
        ]
        const w = o.value.windows
        if (w) evidence.push({ label: 'Windows Time source', value: w.source ?? w.problem ?? '(not read: w32tm printed no English "Source:" line)' })
        const abs = Math.abs(skewS)
        const fix = w
          ? 'Start Windows Time and give it a source: a domain member follows its domain controllers (w32tm /config /syncfromflags:domhier /update); ' +
            'otherwise w32tm /config /manualpeerlist:<ntp server> /syncfromflags:manual /update, then w32tm /resync.'
          : 'Run time synchronisation on every node (chrony or systemd-timesyncd; `timedatectl set-ntp true`).'
        if (abs >= CLOCK_SKEW_FAIL_S) return [n.nodeId, fail(`${n.label}'s clock is ${skewS.toFixed(1)} s off the other nodes.`, fix, evidence)]
        if (abs >= CLOCK_SKEW_WARN_S) return [n.nodeId, warn(`${n.label}'s clock is ${skewS.toFixed(1)} s off the other nodes.`, fix, evidence)]
        if (w && !w.synchronised) {
          return [n.nodeId, warn(`${n.label}'s clock agrees with the other nodes within ${Math.max(abs, 0.01).toFixed(2)} s, but Windows Time does not synchronise it (${w.source ?? w.problem ?? 'no source'}), so it will drift.`, fix, evidence)]
        }
        return [n.nodeId, ok(`${n.label}'s clock agrees with the other nodes within ${Math.max(abs, 0.01).toFixed(2)} s.`, evidence)]
      })
    )
  }
}

/** The node's clock in Unix milliseconds: `date` on Linux, the 'time-status' script (with w32tm's status) on Windows. */
async function readClock(n: NodeContext): Promise<{ nowMs: number; windows?: WindowsTimeStatus }> {
  if (n.platform.platform === 'windows') {
    const r = await (n.powershell ?? new SshPowerShellRunner(n.session)).run('time-status')
    if (!r.ok) throw windowsErrorToSsh(r.error)
    const status = parseTimeStatus(r.value)
    if (!Number.isFinite(status.nowMs)) throw new Error('the time-status script gave no clock reading')
    return { nowMs: status.nowMs, windows: status }
  }
  const r = await run(n, ['date', '+%s%N'])
  const ns = r.stdout.trim()
  if (r.code !== 0 || !/^\d{10,}$/.test(ns)) throw new Error(`date printed "${ns.slice(0, 40)}"`)
  return { nowMs: Number(ns.slice(0, -6)) }
}

export const inventoryTests: ValidationTestDef[] = [osKernel, cpuArch, hostnameUnique, nodeRuntime, diskSpace, clockSkew]
