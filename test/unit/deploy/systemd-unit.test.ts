// The hardened systemd unit, checked by systemd's own parser: `systemd-analyze verify` reads the
// unit as systemd would and checks that ExecStart's binary exists. No systemd runs on this
// machine, so the unit is rendered with its paths under a temp root where the binaries exist
// (node = this Node.js), and every warning counts as a failure: systemd ignores a misspelled
// directive or a bad value with only a warning, which would silently drop a hardening setting.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NODE_UNIT_PATHS, renderUnit, type UnitPaths } from '../../../electron/backend/deploy/systemd-unit'

let root: string
let paths: UnitPaths

function analyze(unitText: string, verb: 'verify' | 'security' = 'verify'): { code: number; out: string } {
  const dir = mkdtempSync(join(root, 'unit-'))
  const file = join(dir, 'havip-agent.service')
  writeFileSync(file, unitText)
  const args = verb === 'verify' ? ['verify', '--man=no', '--generators=no', file] : ['security', '--offline=true', '--no-pager', file]
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 30_000 })
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() }
}

beforeAll(() => {
  execFileSync('systemd-analyze', ['--version']) // Debian's systemd package; fail loudly if it is missing
  root = mkdtempSync(join(tmpdir(), 'havip-unit-'))
  const opt = join(root, 'opt/havip')
  mkdirSync(join(opt, 'releases/r1'), { recursive: true })
  writeFileSync(join(opt, 'releases/r1/havip-agent.cjs'), '')
  symlinkSync('releases/r1', join(opt, 'current'))
  symlinkSync(process.execPath, join(opt, 'node'))
  for (const d of ['etc/havip', 'var/log/havip', 'run/havip']) mkdirSync(join(root, d), { recursive: true })
  paths = {
    node: join(opt, 'node'),
    agent: join(opt, 'current/havip-agent.cjs'),
    agentJson: join(root, 'etc/havip/agent.json'),
    agentLog: join(root, 'var/log/havip/agent.log'),
    etcDir: join(root, 'etc/havip'),
    logDir: join(root, 'var/log/havip'),
    runDir: join(root, 'run/havip'),
    kill: NODE_UNIT_PATHS.kill
  }
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the systemd unit', () => {
  it('runs the agent from /opt/havip with the config and log of the layout', () => {
    const unit = renderUnit()
    expect(unit).toContain('ExecStart=/opt/havip/node /opt/havip/current/havip-agent.cjs run --config /etc/havip/agent.json --log-file /var/log/havip/agent.log')
    expect(unit).toContain('ExecStartPre=/opt/havip/node /opt/havip/current/havip-agent.cjs check-config --config /etc/havip/agent.json')
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID')
    expect(unit).toContain('Restart=always')
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m)
  })

  it('is hardened: two capabilities only, no new privileges, read-only system but the agent\'s own paths, netlink and packet sockets allowed', () => {
    const lines = renderUnit().split('\n')
    expect(lines).toContain('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW')
    expect(lines).toContain('AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW')
    expect(lines).toContain('NoNewPrivileges=yes')
    expect(lines).toContain('ProtectSystem=strict')
    expect(lines).toContain('ReadWritePaths=/etc/havip /var/log/havip /run/havip')
    expect(lines).toContain('PrivateTmp=yes')
    expect(lines).toContain('RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET')
    // No second, looser setting of the same key further down.
    const keys = lines.filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => l.split('=')[0]!)
    expect(keys.filter((k) => !k.startsWith('Exec')).length).toBe(new Set(keys.filter((k) => !k.startsWith('Exec'))).size)
  })

  it('passes systemd-analyze verify without a single warning', () => {
    const r = analyze(renderUnit(paths))
    expect(r.out).toBe('')
    expect(r.code).toBe(0)
  })

  it('verify catches a broken unit: a missing binary, a misspelled directive, a bad value', () => {
    const good = renderUnit(paths)
    const missingBinary = analyze(good.replaceAll(paths.node, join(root, 'opt/havip/no-such-node')))
    expect(missingBinary.code).not.toBe(0)
    expect(missingBinary.out).toMatch(/no-such-node is not executable/)

    const misspelled = analyze(good.replace('ProtectSystem=strict', 'ProtectSystm=strict'))
    expect(misspelled.out).toMatch(/Unknown key 'ProtectSystm'/)

    const badFamily = analyze(good.replace('AF_PACKET', 'AF_PACKETS'))
    expect(badFamily.out).toMatch(/address family/i)
  })

  it('rates as OK or better in systemd-analyze security (offline)', () => {
    const r = analyze(renderUnit(paths), 'security')
    expect(r.code).toBe(0)
    const level = /Overall exposure level for havip-agent\.service: ([\d.]+) (\w+)/.exec(r.out)
    expect(level, r.out.slice(-500)).not.toBeNull()
    // A root service that must keep raw sockets and host networking cannot reach "SAFE";
    // 10 is "UNSAFE", an unhardened unit scores 9.6.
    expect(Number(level![1])).toBeLessThan(5)
  })
})
