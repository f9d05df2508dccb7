/**
 * Script security, as keepalived's enable_script_security, on by default (issue 9, item 2).
 * Real files in a temp dir, owners and modes set with chown/chmod (the tests run as root, as
 * the agent does); the rules are keepalived 2.2's check_script_secure (see script-security.ts).
 */
import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import { parseJsonConfig } from '../../../agent/config/json-config'
import type { AgentConfig, InstanceConfig } from '../../../agent/config/model'
import type { AgentEvent } from '../../../agent/instance'
import { createLogger } from '../../../agent/log'
import { main } from '../../../agent/main'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from '../../../agent/os/os-adapter'
import { checkScriptSecurity } from '../../../agent/track/script-security'
import { resolveRunAs } from '../../../agent/track/script-user'
import { TrackScript } from '../../../agent/track/track-script'
import { waitFor } from '../../support/wait-for'

const isRoot = process.getuid?.() === 0
const ROOT = { uid: 0, gid: 0 }
const NOBODY = resolveRunAs({ user: 'nobody' })
const base = mkdtempSync(join(tmpdir(), 'havip-scriptsec-'))
chmodSync(base, 0o755) // root-owned; its parent is /tmp (root, sticky 1777), which keepalived accepts
afterAll(() => rmSync(base, { recursive: true, force: true }))

let n = 0
/** A fresh root-owned 0755 directory with a root-owned 0755 script in it. */
function script(body = '#!/bin/sh\nexit 0\n', mode = 0o755): { dir: string; file: string } {
  const dir = join(base, `d${++n}`)
  mkdirSync(dir, { mode: 0o755 })
  chmodSync(dir, 0o755)
  const file = join(dir, 'check.sh')
  writeFileSync(file, body)
  chmodSync(file, mode)
  return { dir, file }
}

describe.skipIf(!isRoot)('checkScriptSecurity (keepalived check_script_secure rules)', () => {
  it('accepts a root-owned 0755 script in root-owned directories, by its resolved absolute path', () => {
    const { file } = script()
    expect(checkScriptSecurity(file, ROOT)).toEqual({ ok: true, path: file })
    // a bare name is looked up in the system directories only, never in $PATH
    expect(checkScriptSecurity('true', ROOT)).toEqual({ ok: true, path: '/usr/bin/true' })
  })

  it('refuses a world-writable script, naming the path and why', () => {
    const { file } = script(undefined, 0o777)
    expect(checkScriptSecurity(file, ROOT)).toEqual({ ok: false, path: file, reason: expect.stringContaining(`${file} is writable by everyone (mode 0777)`) })
  })

  it('refuses group write unless the group is root (as keepalived)', () => {
    const { file } = script(undefined, 0o775)
    chownSync(file, 0, 1000)
    expect(checkScriptSecurity(file, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining(`${file} is writable by group 1000 (mode 0775)`) })
    chownSync(file, 0, 0)
    expect(checkScriptSecurity(file, ROOT)).toMatchObject({ ok: true })
  })

  it('refuses a script or a directory above it owned by someone other than root', () => {
    const a = script()
    chownSync(a.file, 1000, 0)
    expect(checkScriptSecurity(a.file, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining(`${a.file} is owned by uid 1000, not root`) })
    const b = script()
    chownSync(b.dir, 1000, 1000)
    expect(checkScriptSecurity(b.file, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining(`${b.dir} is owned by uid 1000, not root`) })
  })

  it('refuses a world-writable directory, but accepts a root-owned sticky one (like /tmp), as keepalived does', () => {
    const a = script()
    chmodSync(a.dir, 0o777)
    expect(checkScriptSecurity(a.file, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining(`${a.dir} is writable by everyone (mode 0777)`) })
    chmodSync(a.dir, 0o1777)
    expect(checkScriptSecurity(a.file, ROOT)).toEqual({ ok: true, path: a.file })
  })

  it('follows symlinks: the target and its directories must be safe too, and the link owned by root', () => {
    const good = script()
    const bad = script()
    chmodSync(bad.dir, 0o777)
    const link = join(good.dir, 'link.sh')
    symlinkSync(bad.file, link)
    expect(checkScriptSecurity(link, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining(`${bad.dir} is writable by everyone`) })
    const link2 = join(good.dir, 'link2.sh')
    symlinkSync(good.file, link2)
    expect(checkScriptSecurity(link2, ROOT)).toEqual({ ok: true, path: link2 })
    lchownSync(link2, 1000, 1000)
    expect(checkScriptSecurity(link2, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining(`${link2} is owned by uid 1000`) })
    // a symlinked directory on the way is resolved (the path that is checked and run is the real one)
    const dirLink = join(base, `dirlink${++n}`)
    symlinkSync(good.dir, dirLink)
    expect(checkScriptSecurity(join(dirLink, 'check.sh'), ROOT)).toEqual({ ok: true, path: good.file })
  })

  it('refuses relative paths, missing and non-executable files', () => {
    expect(checkScriptSecurity('scripts/check.sh', ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining('"scripts/check.sh" is a relative path; give the absolute path') })
    expect(checkScriptSecurity('no-such-command-havip', ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining('was not found in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin (the agent never searches $PATH)') })
    expect(checkScriptSecurity(join(base, 'missing.sh'), ROOT)).toMatchObject({ ok: false, reason: `${join(base, 'missing.sh')} does not exist` })
    const { file } = script(undefined, 0o644)
    expect(checkScriptSecurity(file, ROOT)).toMatchObject({ ok: false, reason: expect.stringContaining('is not executable for uid 0 gid 0 (mode 0644)') })
  })

  it('does not require protection for a script run as an unprivileged user (keepalived neither), unless it is set-uid root', () => {
    if (!NOBODY.ok) throw new Error('this test needs the user "nobody"')
    const { file } = script(undefined, 0o777)
    expect(checkScriptSecurity(file, NOBODY)).toEqual({ ok: true, path: file })
    const a = script(undefined, 0o4755)
    chmodSync(a.dir, 0o777)
    expect(checkScriptSecurity(a.file, NOBODY)).toMatchObject({ ok: false, reason: expect.stringContaining('is writable by everyone') })
  })
})

describe.skipIf(!isRoot)('script_user', () => {
  const cfg = (argv: string[], user?: { user: string; group?: string }) => ({ name: 'chk', argv, intervalMs: 60_000, timeoutMs: 5000, rise: 1, fall: 1, weight: 0, ...(user ? { user } : {}) })

  it('runs a track script as the configured user', async () => {
    const seen: boolean[] = []
    const asNobody = new TrackScript(cfg(['/bin/sh', '-c', 'test "$(id -u):$(id -g)" = 65534:65534'], { user: 'nobody', group: 'nogroup' }), (ok) => seen.push(ok))
    await asNobody.start()
    asNobody.stop()
    const asRoot = new TrackScript(cfg(['/bin/sh', '-c', 'test "$(id -u)" = 65534']), (ok) => seen.push(ok))
    await asRoot.start()
    asRoot.stop()
    expect(seen).toEqual([true, false])
  })

  it('is read from the JSON config too: scriptUser as the default, scripts[].user and notify.users override it', () => {
    const r = parseJsonConfig(JSON.stringify({
      scriptUser: 'nobody:nogroup',
      scripts: [{ name: 'a', argv: ['/bin/true'] }, { name: 'b', argv: ['/bin/true'], user: 'root' }],
      instances: [{ name: 'VI_1', interface: 'eth0', vrid: 7, vips: ['198.51.100.100'], trackScripts: ['a', 'b'], notify: { master: ['/bin/true'], backup: ['/bin/true'], users: { backup: 'root' } } }]
    }))
    expect(r.issues).toEqual([])
    expect(r.config?.scripts.map((x) => x.user)).toEqual([{ user: 'nobody', group: 'nogroup' }, { user: 'root' }])
    expect(r.config?.instances[0]?.notify.users).toEqual({ master: { user: 'nobody', group: 'nogroup' }, backup: { user: 'root' } })
    expect(parseJsonConfig(JSON.stringify({ scriptUser: 'a:b:c', instances: [] })).issues[0]?.message).toBe('scriptUser: "a:b:c" is not USER or USER:GROUP')
  })

  it('refuses an unknown user with an error instead of running as root', async () => {
    const s = new TrackScript(cfg(['/bin/true'], { user: 'no-such-user-havip' }), () => undefined)
    await s.start()
    s.stop()
    expect(s.ok).toBe(false)
    expect(s.refused).toBe('script "/bin/true" refused: cannot run /bin/true as the configured user: user "no-such-user-havip" does not exist on this node; create it or fix script_user/user')
  })
})

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') })
  return { code, out, err }
}

function keepalivedConf(scriptPath: string, notify = '/bin/true'): string {
  return `global_defs {
  enable_script_security
}
vrrp_script chk_app {
  script "${scriptPath} --quiet"
  interval 2
  weight -20
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    198.51.100.100/24
  }
  track_script {
    chk_app
  }
  notify_master "${notify} master"
}
`
}

describe.skipIf(!isRoot)('havip-agent check-config and script security', () => {
  it('exits non-zero on a world-writable script, naming the script and the reason; 0 for a root-owned 0755 script in root-owned directories', async () => {
    const bad = script(undefined, 0o777)
    const badConf = join(bad.dir, 'keepalived.conf')
    writeFileSync(badConf, keepalivedConf(bad.file))
    const r = await cli('check-config', '--keepalived-conf', badConf)
    expect(r.code).toBe(1)
    expect(r.out).toContain(`error: vrrp_script chk_app: script "${bad.file}" is refused: unsafe permissions: ${bad.file} is writable by everyone (mode 0777); chmod o-w ${bad.file}`)
    expect(r.out).toContain('config is INVALID')

    const good = script()
    const goodConf = join(good.dir, 'keepalived.conf')
    writeFileSync(goodConf, keepalivedConf(good.file))
    const ok = await cli('check-config', '--keepalived-conf', goodConf)
    expect(ok.out).toContain('config is valid')
    expect(ok.code).toBe(0)
  })

  it('names a refused notify hook', async () => {
    const good = script()
    const hook = script(undefined, 0o777)
    const conf = join(good.dir, 'notify.conf')
    writeFileSync(conf, keepalivedConf(good.file, hook.file))
    const r = await cli('check-config', '--keepalived-conf', conf)
    expect(r.code).toBe(1)
    expect(r.out).toContain(`error: vrrp_instance VI_1: notify_master "${hook.file}" is refused: unsafe permissions: ${hook.file} is writable by everyone`)
  })
})

class MemoryOs implements OsAdapter {
  readonly held = new Map<string, HeldAddress>()
  async addVip(v: { address: string; prefix: number }, dev: string): Promise<void> { this.held.set(v.address, { address: v.address, prefix: v.prefix, dev }) }
  async removeVip(v: { address: string }): Promise<void> { this.held.delete(v.address) }
  async listAddresses(): Promise<HeldAddress[]> { return [...this.held.values()] }
  async interfaceState(): Promise<InterfaceState> { return { exists: true, up: true, index: 1, addresses: ['127.0.0.1', ...this.held.keys()] } }
  async sendGarp(): Promise<void> {}
  async garpSupport(): Promise<GarpSupport> { return { ok: true, detail: 'memory' } }
}

describe.skipIf(!isRoot)('run: a refused script at run time', () => {
  const stops: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const s of stops.splice(0)) await s()
  })

  it('puts the tracking instance in FAULT (whatever the weight) with an error event, and skips a refused notify hook with an error event', async () => {
    const bad = script(undefined, 0o777)
    const hook = script(undefined, 0o777)
    const inst: InstanceConfig = {
      name: 'VI_1', interface: 'lo', vrid: 51, version: 3, priority: 150, advertIntervalMs: 50, preempt: true, preemptDelayMs: 0,
      unicastPeers: ['127.0.0.3'], unicastSrcIp: '127.0.0.1', vips: [{ address: '198.51.100.250', prefix: 24 }], trackInterfaces: [],
      trackScripts: [{ name: 'chk_app' }], notify: { master: [hook.file] },
      garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 }
    }
    const config: AgentConfig = {
      instances: [inst], scripts: [{ name: 'chk_app', argv: [bad.file], intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, weight: -20 }],
      transport: 'udp', udpPort: 20000 + Math.floor(Math.random() * 20000), controlSocket: join(base, 'unused.sock')
    }
    const os = new MemoryOs()
    const agent = new Agent(config, { os, logger: createLogger({ stderr: false }) })
    const events: AgentEvent[] = []
    agent.on('event', (e: AgentEvent) => events.push(e))
    await agent.start()
    stops.push(() => agent.stop())
    await waitFor('the instance in fault', () => agent.status().instances[0]?.state === 'fault', 3000)
    expect(os.held.size).toBe(0)
    expect(events).toContainEqual(expect.objectContaining({
      type: 'error', instance: 'VI_1',
      message: expect.stringContaining(`instance VI_1: track script chk_app script "${bad.file}" refused: unsafe permissions: ${bad.file} is writable by everyone`)
    }))
    expect(events).toContainEqual(expect.objectContaining({
      type: 'error', instance: 'VI_1', message: expect.stringContaining(`instance VI_1: notify hook "master" (${hook.file}) will be skipped: unsafe permissions`)
    }))
    expect(agent.status().warnings.join('\n')).toContain('track script chk_app')
  })

  it('a config reload checks a refused script again: once its file is fixed the instance leaves FAULT, no restart', async () => {
    const bad = script(undefined, 0o777)
    const inst: InstanceConfig = {
      name: 'VI_1', interface: 'lo', vrid: 52, version: 3, priority: 150, advertIntervalMs: 50, preempt: true, preemptDelayMs: 0,
      unicastPeers: ['127.0.0.3'], unicastSrcIp: '127.0.0.1', vips: [{ address: '198.51.100.251', prefix: 24 }], trackInterfaces: [],
      trackScripts: [{ name: 'chk_app' }], notify: {},
      garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 }
    }
    const config: AgentConfig = {
      instances: [inst], scripts: [{ name: 'chk_app', argv: [bad.file], intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, weight: 0 }],
      transport: 'udp', udpPort: 20000 + Math.floor(Math.random() * 20000), controlSocket: join(base, 'unused.sock')
    }
    const agent = new Agent(config, { os: new MemoryOs(), logger: createLogger({ stderr: false }) })
    await agent.start()
    stops.push(() => agent.stop())
    await waitFor('the instance in fault', () => agent.status().instances[0]?.state === 'fault', 3000)
    expect(agent.status().warnings.join('\n')).toContain('until the script is fixed and the config reloaded ("havip-agent ctl reload")')

    // Nothing fixed yet: still refused, still one warning about it.
    expect(await agent.reload(structuredClone(config))).toMatchObject({ kept: ['VI_1'] })
    expect(agent.status().instances[0]).toMatchObject({ state: 'fault', transitions: 1 })
    expect(agent.status().warnings.filter((w) => w.includes('track script chk_app'))).toHaveLength(1)

    chmodSync(bad.file, 0o755)
    expect(await agent.reload(structuredClone(config))).toMatchObject({ kept: ['VI_1'], restarted: [] })
    await waitFor('the instance out of fault', () => ['backup', 'master'].includes(agent.status().instances[0]!.state), 3000)
    expect(agent.status().warnings.filter((w) => w.includes('track script chk_app'))).toEqual([])
  })
})
