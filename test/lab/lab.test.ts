// The lab itself, tested against the real thing: namespaces, bridge, per-node sshd, accounts.
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname as hostHostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clientExec, killSpawned, knownHostsText, labDown, labLeftovers, labUp, nodeExec, nodeSpawn, waitUntilSoleLabUser, readLabState,
  type LabNode, type LabState
} from './lab'
import { checkAddressConflicts, listLabNetns, linkExists } from './network'
import { isAlive, run, sleep } from './run'
import { SUDOERS_FILE, STATE_DIR, HOST_LINK } from './types'

let state: LabState
let scratch: string

beforeAll(async () => {
  state = await labUp({ nodes: 3 })
  scratch = mkdtempSync(join(tmpdir(), 'havip-lab-test-'))
})

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true })
  // Later test files need the lab: restore it even if a test above took it down and then failed.
  await labUp({ nodes: 3 })
})

const node = (i: number): LabNode => state.nodes[i] as LabNode

function ping(target: string): string[] {
  return ['ping', '-n', '-c', '1', '-W', '2', target]
}

describe('lab', () => {
  it('labUp twice: the second call is a no-op and the state is unchanged', async () => {
    const before = readFileSync(`${STATE_DIR}/state.json`, 'utf8')
    const again = await labUp({ nodes: 3 })
    expect(again).toEqual(state)
    expect(readFileSync(`${STATE_DIR}/state.json`, 'utf8')).toBe(before)
    // A bigger lab serves too (an earlier test file may have grown it, e.g. Add Node's 4th node).
    expect(state.nodes.map((n) => n.name).slice(0, 3)).toEqual(['n1', 'n2', 'n3'])
    for (const n of state.nodes) {
      expect(isAlive(n.holderPid)).toBe(true)
      expect(n.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    }
  })

  it('nodes, the client and the host reach each other', async () => {
    const checks: Array<Promise<[string, number]>> = []
    for (const from of state.nodes) {
      for (const to of [...state.nodes.filter((n) => n !== from).map((n) => n.address), state.client.address]) {
        checks.push(nodeExec(from, ping(to), { timeoutMs: 10_000 }).then((r) => [`${from.name} -> ${to}`, r.code]))
      }
    }
    for (const to of state.nodes) {
      checks.push(clientExec(ping(to.address), { timeoutMs: 10_000 }).then((r) => [`client -> ${to.name}`, r.code]))
      checks.push(run(ping(to.address), { timeoutMs: 10_000 }).then((r) => [`host -> ${to.name}`, r.code]))
    }
    const results = await Promise.all(checks)
    expect(results.filter(([, code]) => code !== 0)).toEqual([])
    const n = state.nodes.length
    expect(results.length).toBe(n * n + n * 2)
  })

  it('each node has its own hostname, and the host keeps its own', async () => {
    const hostBefore = hostHostname()
    for (const n of state.nodes) {
      const r = await nodeExec(n, ['hostname'])
      expect(r.stdout.trim()).toBe(n.name)
      // The node's /etc/hosts names its peers, so tools that resolve the hostname (sudo) are quiet.
      const g = await nodeExec(n, ['getent', 'hosts', node(0).name])
      expect(g.stdout).toContain(node(0).address)
    }
    expect((await run(['hostname'])).stdout.trim()).toBe(hostBefore)
  })

  it('a file written to /etc/havip in n1 is invisible in n2 and on the host', async () => {
    const name = `lab-test-${process.pid}-${Date.now()}`
    const path = `/etc/havip/${name}`
    try {
      const w = await nodeExec('n1', ['tee', path], { input: 'only on n1\n' })
      expect(w.code).toBe(0)
      expect((await nodeExec('n1', ['cat', path])).stdout).toBe('only on n1\n')
      const onN2 = await nodeExec('n2', ['test', '-e', path])
      expect(onN2.code).toBe(1)
      expect(existsSync(path)).toBe(false)
      // Each private dir is its own tmpfs inside the node.
      for (const dir of ['/etc/havip', '/opt/havip', '/run/havip', '/var/log/havip']) {
        const m = await nodeExec('n2', ['findmnt', '-n', '-o', 'FSTYPE', '--mountpoint', dir])
        expect(m.stdout.trim(), dir).toBe('tmpfs')
      }
      // /opt/havip holds the Node.js runtime Create Cluster uploads (~125 MB unpacked).
      const opt = await nodeExec('n2', ['df', '-P', '-B1', '/opt/havip'])
      expect(Number(opt.stdout.trim().split('\n')[1]?.split(/\s+/)[1])).toBeGreaterThanOrEqual(512 * 1024 * 1024)
    } finally {
      await nodeExec('n1', ['rm', '-f', path])
    }
  })

  it('root logs in with the lab key over real ssh, with host keys pinned', async () => {
    const knownHosts = join(scratch, 'known_hosts')
    writeFileSync(knownHosts, knownHostsText(state))
    const sshArgv = (kh: string, address: string): string[] => [
      'ssh', '-i', state.rootKeyPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${kh}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5',
      '-o', 'LogLevel=ERROR', `root@${address}`, 'hostname'
    ]
    for (const n of state.nodes) {
      const r = await run(sshArgv(knownHosts, n.address), { timeoutMs: 20_000 })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(n.name)
    }
    // Pinning is real: n1's key claimed for n2's address must be refused.
    const wrong = join(scratch, 'known_hosts_wrong')
    writeFileSync(wrong, `${node(1).address} ${node(0).hostKeyPublic}\n`)
    const refused = await run(sshArgv(wrong, node(1).address), { timeoutMs: 20_000 })
    expect(refused.code).toBe(255)
    expect(refused.stderr).toMatch(/host key/i)
  })

  it('the sudo user logs in with its password, and sudo asks for that password', async () => {
    const password = readFileSync(state.sudoPasswordPath, 'utf8').trim()
    expect(password.length).toBeGreaterThanOrEqual(20)
    const target = node(1)
    const sudoOk = await sshExec(target, state.sudoUser, password, ['sudo', '-S', '-p', 'PW?', 'id', '-u'], `${password}\n`)
    expect(sudoOk).toMatchObject({ code: 0, stdout: '0\n' })
    expect(sudoOk.stderr).toContain('PW?') // it asked: no cached or passwordless sudo
    const whoami = await sshExec(target, state.sudoUser, password, ['id', '-un'], '')
    expect(whoami.stdout.trim()).toBe(state.sudoUser)
    const sudoBad = await sshExec(target, state.sudoUser, password, ['sudo', '-S', '-p', '', 'id', '-u'], 'not-the-password\n')
    expect(sudoBad.code).not.toBe(0)
    // Wrong password, and root by password (PermitRootLogin prohibit-password), are refused.
    await expect(sshExec(target, state.sudoUser, `${password}x`, ['true'], '')).rejects.toThrow(/authentication/i)
    await expect(sshExec(target, 'root', password, ['true'], '')).rejects.toThrow(/authentication/i)
  })

  it('VRRP multicast adverts and gratuitous ARP cross the bridge (keepalived on n1, tshark on n2)', async () => {
    // VRID 254 and 198.51.100.229 sit outside state.vipPool, so other tests' clusters are unaffected.
    const vip = '198.51.100.229'
    const conf = [
      'global_defs {', '  router_id havip-lab-selftest', '}',
      'vrrp_instance LABSELFTEST {', '  state MASTER', '  interface eth0', '  virtual_router_id 254',
      '  priority 100', '  advert_int 1', '  virtual_ipaddress {', `    ${vip}/24`, '  }', '}', ''
    ].join('\n')
    const confPath = '/run/havip/lab-selftest.conf'
    expect((await nodeExec('n1', ['tee', confPath], { input: conf })).code).toBe(0)

    const capture = nodeSpawn('n2', [
      'tshark', '-n', '-l', '-i', 'eth0', '-a', 'duration:12',
      // Other tests may run VRRP on the same LAN right now: capture only n1's packets and our VIP's ARP.
      '-f', `(ip proto 112 and src host ${node(0).address}) or (arp and host ${vip})`,
      '-T', 'fields', '-E', 'separator=,', '-e', 'frame.protocols', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.ttl',
      '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4', '-e', 'vrrp.virt_rtr_id'
    ])
    let captured = ''
    let captureLog = ''
    capture.stdout?.setEncoding('utf8').on('data', (d: string) => (captured += d))
    capture.stderr?.setEncoding('utf8').on('data', (d: string) => (captureLog += d))
    const captureDone = new Promise<void>((resolve) => capture.once('exit', () => resolve()))
    let keepalived: ReturnType<typeof nodeSpawn> | undefined
    try {
      for (let i = 0; i < 100 && !captureLog.includes('Capturing on'); i++) await sleep(100)
      expect(captureLog).toContain('Capturing on')
      keepalived = nodeSpawn('n1', [
        'keepalived', '--dont-fork', '--log-console', '--no-syslog', '--vrrp', '--use-file', confPath,
        '--pid', '/run/havip/lab-selftest.pid', '--vrrp_pid', '/run/havip/lab-selftest-vrrp.pid'
      ])
      // Bounded wait: stop as soon as both kinds of packet were seen, or when tshark's 12 s end.
      const seenBoth = (): boolean => /vrrp.*,254$/m.test(captured) && /arp/.test(captured)
      await Promise.race([captureDone, (async () => { for (let i = 0; i < 120 && !seenBoth(); i++) await sleep(100) })()])
    } finally {
      if (keepalived) await killSpawned(keepalived)
      await killSpawned(capture, 'SIGINT')
      await nodeExec('n1', ['rm', '-f', confPath])
    }
    const lines = captured.trim().split('\n').map((l) => l.split(','))
    const vrrp = lines.find((f) => f[0]?.includes('vrrp') && f[6] === '254')
    expect(vrrp, `no VRRP advert seen; capture: ${captured} ${captureLog}`).toBeDefined()
    expect(vrrp?.slice(1, 4)).toEqual([node(0).address, '224.0.0.18', '255']) // RFC 3768 §5.2.3: TTL 255
    const garp = lines.find((f) => f[0]?.includes('arp') && f[4] === vip && f[5] === vip)
    expect(garp, `no gratuitous ARP for ${vip}; capture: ${captured}`).toBeDefined()
    // keepalived removed the VIP when it stopped.
    expect((await nodeExec('n1', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout).not.toContain(vip)
  })

  it('refuses to build over an address or route already using the lab subnet', async () => {
    // Staged in a scratch namespace (never the host's own) that the lab's teardown does not touch.
    const scratchNs = `havip-conflict-${process.pid}`
    try {
      expect((await run(['ip', 'netns', 'add', scratchNs])).code).toBe(0)
      await checkAddressConflicts(scratchNs) // empty namespace: no conflict
      expect((await run(['ip', '-n', scratchNs, 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'])).code).toBe(0)
      expect((await run(['ip', '-n', scratchNs, 'link', 'set', 'd0', 'up'])).code).toBe(0)
      expect((await run(['ip', '-n', scratchNs, 'link', 'set', 'd1', 'up'])).code).toBe(0)
      expect((await run(['ip', '-n', scratchNs, 'route', 'add', '198.51.100.0/25', 'dev', 'd0'])).code).toBe(0)
      await expect(checkAddressConflicts(scratchNs)).rejects.toThrow(/already routes 198\.51\.100\.0\/25 via d0/)
      expect((await run(['ip', '-n', scratchNs, 'addr', 'add', '198.51.100.7/32', 'dev', 'd0'])).code).toBe(0)
      await expect(checkAddressConflicts(scratchNs)).rejects.toThrow(/interface d0 already has 198\.51\.100\.7/)
    } finally {
      await run(['ip', 'netns', 'del', scratchNs])
    }
  })

  it('labUp grows in place; labDown leaves nothing behind; labUp brings 3 nodes back', async (ctx) => {
    // Other test runs on this machine may be using the lab right now: wait (bounded) for them.
    const others = await waitUntilSoleLabUser()
    if (others.length > 0) {
      ctx.skip(`lab is in use by pid(s) ${others.join(', ')}; not taking it down under them`)
      return
    }
    // Growing keeps the running nodes (and whatever other tests run on them) untouched.
    // (The lab may already be bigger than 3 nodes: grow it by one from whatever it has.)
    const size = state.nodes.length + 1
    const grown = await labUp({ nodes: size })
    expect(grown.nodes.slice(0, size - 1)).toEqual(state.nodes)
    const added = grown.nodes[size - 1] as LabNode
    const name = `n${size}`
    expect(added).toMatchObject({ name, address: `198.51.100.${10 + size}`, netns: `havip-${name}` })
    expect((await nodeExec(name, ['hostname'])).stdout.trim()).toBe(name)
    expect((await nodeExec('n1', ping(added.address), { timeoutMs: 10_000 })).code).toBe(0)
    expect((await nodeExec('n1', ['getent', 'hosts', name])).stdout).toContain(added.address)
    expect((await labUp({ nodes: 3 })).nodes.length).toBe(size) // a bigger lab also serves
    state = grown

    const oldPids = state.nodes.map((n) => n.holderPid)
    await labDown()
    expect(await listLabNetns()).toEqual([])
    expect(await linkExists(HOST_LINK)).toBe(false)
    expect(existsSync(STATE_DIR)).toBe(false)
    expect(existsSync(SUDOERS_FILE)).toBe(false)
    expect((await run(['getent', 'passwd', state.sudoUser])).code).not.toBe(0)
    expect(oldPids.filter(isAlive)).toEqual([])
    // The lab's own processes name their node's dir (sshd -f .../nodes/nX/sshd_config). Not every
    // mention of /run/havip-lab: another run on this machine may be using the lab key right now.
    const ps = await run(['ps', '-eo', 'pid=,args='])
    const labPs = ps.stdout.split('\n').filter((l) => l.includes('/run/havip-lab/nodes/'))
    expect(labPs, labPs.join('\n')).toEqual([])
    const leftovers = await labLeftovers()
    expect(leftovers, leftovers.join('\n')).toEqual([])
    expect(readLabState()).toBeNull()
    await expect(nodeExec(node(0), ['true'])).rejects.toThrow(/node n1 is down/)

    state = await labUp({ nodes: 3 })
    expect(state.nodes.length).toBe(3)
    expect((await nodeExec('n3', ['hostname'])).stdout.trim()).toBe('n3')
  })
})

/** Runs argv on a node over SSH as `user` with a password, pinning the node's host key. */
function sshExec(target: LabNode, user: string, password: string, argv: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const conn = new Client()
    let settled = false
    const finish = (err: Error | null, value?: { code: number; stdout: string; stderr: string }): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      conn.end()
      if (err) reject(err)
      else resolve(value as { code: number; stdout: string; stderr: string })
    }
    const timer = setTimeout(() => finish(new Error(`ssh to ${target.name} timed out`)), 20_000)
    conn.on('error', (err) => finish(new Error(`ssh ${user}@${target.name}: ${err.message}`)))
    conn.on('ready', () => {
      // Arguments here are fixed test strings without shell metacharacters.
      conn.exec(argv.join(' '), (err, stream) => {
        if (err) return finish(err)
        let stdout = ''
        let stderr = ''
        stream.on('data', (d: Buffer) => (stdout += d.toString()))
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        stream.on('close', (code: number | null) => finish(null, { code: code ?? -1, stdout, stderr }))
        stream.end(input)
      })
    })
    conn.connect({
      host: target.address,
      port: target.sshPort,
      username: user,
      password,
      tryKeyboard: false,
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === target.hostKeyFingerprint
    })
  })
}
