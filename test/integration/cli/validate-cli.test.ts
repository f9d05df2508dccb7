// `havip validate` on real lab nodes, run as a separate process like an admin runs it: the exit
// code contract (0 ok, 2 failures found, 1 error of use or connection), JSON on stdout, progress
// on stderr, the report files, remembered credentials and host keys, and the host-key policy.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationReportSchema, type ValidationReport } from '../../../electron/api/validation'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { readLabState, type LabState } from '../../lab/lab'
import { ensureBundle } from '../agent/lab-agents'
import { ensureCliBuilt, runHavip, tempDataDir } from './havip-cli'

let lab: LabState
const dirs: string[] = []
const VIP = '198.51.100.215/24'

function dataDir(): string {
  const d = tempDataDir()
  dirs.push(d)
  return d
}

function nodeArgs(n = 3): string[] {
  return lab.nodes.slice(0, n).flatMap((x) => ['--node', `root@${x.address}`])
}

function parseReport(stdout: string): ValidationReport {
  return ValidationReportSchema.parse(JSON.parse(stdout))
}

beforeAll(() => {
  const s = readLabState()
  if (!s || s.nodes.length < 3) throw new Error('the lab is not up with 3 nodes: run with the integration config (its globalSetup brings it up)')
  lab = s
  ensureCliBuilt()
  ensureBundle() // the VRRP group uploads the agent bundle to the nodes for its scan
})

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe('havip validate (lab)', () => {
  it('validates the 3 lab nodes: every catalogue test has a result per node, JSON on stdout, progress on stderr, report files written', async () => {
    const dir = dataDir()
    const out = path.join(dir, 'my-report.html')
    const r = await runHavip(['--data-dir', dir, '--json', 'validate', ...nodeArgs(), '--identity', lab.rootKeyPath, '--trust-new-host-keys', '--vip', VIP, '--report', out], { timeoutMs: 90_000 })
    expect(r.stderr).toMatch(/connecting to root@198\.51\.100\.11:22/)
    const report = parseReport(r.stdout)
    const failed = report.results.filter((x) => x.status === 'Failed')
    expect(failed.map((f) => `${f.testId}: ${f.details}`), `havip's stderr:\n${r.stderr.slice(-4000)}`).toEqual([])
    expect(r.code).toBe(0)
    expect(report.nodes).toHaveLength(3)
    for (const t of report.tests) expect(report.results.filter((x) => x.testId === t.id)).toHaveLength(3)
    const html = fs.readFileSync(out, 'utf8')
    expect(html).toMatch(/<html/i)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/i)
    expect(JSON.parse(fs.readFileSync(out.replace(/\.html$/, '.json'), 'utf8')).runId).toBe(report.runId)

    // Credentials and trust are remembered: the same nodes again need no key and no trust flag.
    const again = await runHavip(['--data-dir', dir, '--json', 'validate', ...nodeArgs(1), '--vip', VIP, '--test', 'inventory.hostname-unique'], { timeoutMs: 60_000 })
    expect(again.stderr).toContain('(saved connection)')
    expect(again.code).toBe(0)
    const second = parseReport(again.stdout)
    expect(second.results.find((x) => x.testId === 'inventory.hostname-unique')?.status).toBe('Success')
  })

  it('a node whose host key is unknown is refused without --trust-new-host-keys: Failed in the report, exit 2', async () => {
    const dir = dataDir()
    const r = await runHavip(['--data-dir', dir, '--json', 'validate', ...nodeArgs(1), '--identity', lab.rootKeyPath, '--vip', VIP], { timeoutMs: 60_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/host key of 198\.51\.100\.11:22 is not known yet/)
    const report = parseReport(r.stdout)
    expect(report.results.every((x) => x.status === 'Failed' || x.status === 'NotRun')).toBe(true)
    expect(report.nodes[0]?.error?.message ?? '').toMatch(/host key/i)
  })

  it('a changed host key is always refused, even with --trust-new-host-keys', async () => {
    const dir = dataDir()
    const n1 = lab.nodes[0]!
    // Pinned through the app's own store, as if an earlier session had trusted another key.
    new HostKeyStore(path.join(dir, 'host-keys.json')).trust({ host: n1.address, port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
    const r = await runHavip(['--data-dir', dir, '--json', 'validate', ...nodeArgs(1), '--identity', lab.rootKeyPath, '--trust-new-host-keys', '--vip', VIP], { timeoutMs: 60_000 })
    expect(r.stderr).toMatch(/CHANGED/)
    expect(r.code).toBe(2)
    const report = parseReport(r.stdout)
    expect(report.nodes[0]?.error?.kind).toBe('host-key-changed')
  })

  it('an unreachable node fails its tests with the reason and does not hold up the others', async () => {
    const dir = dataDir()
    const n1 = lab.nodes[0]!
    const r = await runHavip(['--data-dir', dir, '--json', 'validate', '--node', `root@${n1.address}`, '--node', `root@${lab.nodes[1]!.address}:2`, '--identity', lab.rootKeyPath, '--trust-new-host-keys', '--vip', VIP], { timeoutMs: 90_000 })
    expect(r.code).toBe(2)
    const report = parseReport(r.stdout)
    const bad = report.nodes.find((n) => n.port === 2)!
    expect(bad.error?.message).toBeTruthy()
    expect(report.results.filter((x) => x.nodeId === bad.id).every((x) => x.status === 'Failed' || x.status === 'NotRun')).toBe(true)
    const good = report.nodes.find((n) => n.port === 22)!
    expect(report.results.filter((x) => x.nodeId === good.id).some((x) => x.status === 'Success')).toBe(true)
  })
})

describe('havip validate as the users real servers have (lab key-only users)', () => {
  function rootOrSudo(report: ValidationReport) {
    return report.results.find((x) => x.testId === 'system.root-or-sudo')
  }

  it('a key-only user with NOPASSWD sudo validates with no password anywhere', async () => {
    const u = lab.keyUsers.nopasswdSudo
    const r = await runHavip(['--data-dir', dataDir(), '--json', 'validate', '--node', `${u.name}@${lab.nodes[0]!.address}`, '--identity', u.privateKeyPath, '--trust-new-host-keys', '--vip', VIP, '--test', 'system.root-or-sudo', '--test', 'system.sysctls'], { timeoutMs: 60_000 })
    const report = parseReport(r.stdout)
    expect(rootOrSudo(report)).toMatchObject({ status: 'Success' })
    expect(report.results.find((x) => x.testId === 'system.sysctls')?.status).not.toBe('Failed')
    expect(r.code).toBe(0)
  })

  it('a key-only user whose sudo asks for a password: Failed with what to do without it, Success with --sudo-password-file', async () => {
    const u = lab.keyUsers.passwordSudo
    const dir = dataDir()
    const node = ['--node', `${u.name}@${lab.nodes[0]!.address}`, '--identity', u.privateKeyPath, '--trust-new-host-keys', '--vip', VIP, '--test', 'system.root-or-sudo']
    const without = await runHavip(['--data-dir', dir, '--json', 'validate', ...node], { timeoutMs: 60_000 })
    expect(without.code).toBe(2)
    const failed = rootOrSudo(parseReport(without.stdout))
    expect(failed?.status).toBe('Failed')
    expect(`${failed?.details} ${failed?.remediation}`).toMatch(/sudo/i)

    const pw = path.join(dir, 'sudo.pw')
    fs.writeFileSync(pw, fs.readFileSync(u.sudoPasswordPath!, 'utf8'), { mode: 0o600 })
    const withPw = await runHavip(['--data-dir', dir, '--json', 'validate', ...node, '--sudo-password-file', pw], { timeoutMs: 60_000 })
    expect(rootOrSudo(parseReport(withPw.stdout))).toMatchObject({ status: 'Success' })
    expect(withPw.code).toBe(0)
    expect(withPw.stdout + withPw.stderr).not.toContain(fs.readFileSync(u.sudoPasswordPath!, 'utf8').trim())
  })

  it('wrong credentials: the node is Failed with auth-failed and a hint, exit 2', async () => {
    const dir = dataDir()
    const pw = path.join(dir, 'wrong.pw')
    fs.writeFileSync(pw, 'not-the-password\n', { mode: 0o600 })
    const r = await runHavip(['--data-dir', dir, '--json', 'validate', '--node', `${lab.sudoUser}@${lab.nodes[0]!.address}`, '--password-file', pw, '--trust-new-host-keys', '--vip', VIP], { timeoutMs: 60_000 })
    expect(r.code).toBe(2)
    const report = parseReport(r.stdout)
    expect(report.nodes[0]?.error?.kind).toBe('auth-failed')
    expect(report.results.every((x) => x.status === 'Failed' || x.status === 'NotRun')).toBe(true)
  })
})

describe('havip: errors of use exit 1 with a message that says what to do', () => {
  const cases: [string, string[], RegExp][] = [
    ['a VIP that is not an address', ['validate', '--node', 'root@198.51.100.11', '--vip', '198.51.100.300/24'], /not a VIP/],
    ['a VIP without its prefix', ['validate', '--node', 'root@198.51.100.11', '--vip', '198.51.100.200'], /not a VIP/],
    ['a VRID out of range', ['validate', '--node', 'root@198.51.100.11', '--vip', VIP, '--vrid', '0'], /--vrid must be a whole number from 1 to 255/],
    ['an interface with shell metacharacters that no platform allows in an adapter name', ['validate', '--node', 'root@198.51.100.11', '--vip', VIP, '--interface', 'eth0|reboot'], /not an interface name/],
    ['a hostile node name', ['validate', '--node', 'root@n1$(reboot)', '--vip', VIP], /not a valid host name/],
    ['an unknown test id', ['validate', '--node', 'root@198.51.100.11', '--vip', VIP, '--test', 'network.nope'], /unknown test id network\.nope/],
    ['an unknown option', ['validate', '--vipp', VIP], /unknown option --vipp/],
    ['a cluster create that skips validation without a VRID', ['cluster', 'create', 'web', '--node', 'root@198.51.100.11', '--vip', VIP, '--skip-validation', 'validated by hand'], /with --skip-validation, give --vrid N/],
    ['a missing password file', ['validate', '--node', 'root@198.51.100.11', '--vip', VIP, '--password-file', '/nonexistent/pw'], /cannot read the password file/]
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runHavip(['--data-dir', dataDir(), ...args], { timeoutMs: 30_000 })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toMatch(/what to do:/)
    })
  }

  it('--json puts the error on stdout as JSON', async () => {
    const r = await runHavip(['--data-dir', dataDir(), '--json', 'validate', '--vip', 'nope'], { timeoutMs: 30_000 })
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not a VIP|--node/) } })
  })
})
