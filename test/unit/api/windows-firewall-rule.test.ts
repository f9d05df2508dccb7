// "Create firewall rule" (validation.createFirewallRule) through the real backend facade
// (dispatch) and real SSH, against replayed Windows nodes (test/support/replayed-windows-node.ts:
// in-process ssh2 servers on 127.0.0.1 that announce Win32-OpenSSH and answer each PowerShell
// script from its recorded fixture). A replay, not Windows: the fixtures of vrrp-firewall-rule
// are written from New-NetFirewallRule's documented output (their provenance is in
// test/fixtures/windows/INDEX.md). What it proves: the report offers the rule only where it
// helps, the rule sent is exactly the offer (names and peers as data), the test runs again and
// the report (and its saved file) shows the new result, and a refusal is an error to act on.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectResult } from '../../../electron/api/contract'
import { dispatch } from '../../../electron/api/dispatch'
import { ValidationReportSchema, type CreateFirewallRuleResult, type ValidationReport } from '../../../electron/api/validation'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { identifyScript } from '../../../electron/backend/platform/windows/runner'
import { startReplayedWindowsNode, type ReplayedWindowsNode, type ReplayedWindowsNodeOptions } from '../../support/replayed-windows-node'
import { waitFor } from '../../support/wait-for'
import { noRuleThenCreated, SERVER_2022_CASES, SERVER_2022_SECOND_NODE_CASES, windowsFixture } from '../../support/windows-fixtures'

const PASSWORD = 'unit-test-windows-password'
const FIREWALL_TEST = 'system.windows-firewall-vrrp'
const VIP = `${(windowsFixture('vip-check', 'free').params as { vip: string }).vip}/24`

const SECOND_NODE = SERVER_2022_SECOND_NODE_CASES

let dir: string
let backend: Backend
const nodes: ReplayedWindowsNode[] = []

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-win-fw-'))
  backend = createBackend({ dataDir: path.join(dir, 'data'), mode: 'browser', connectTimeoutMs: 5000 })
})

afterAll(async () => {
  await backend.dispose()
  for (const n of nodes) await n.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function call<T>(method: Parameters<typeof dispatch>[1], input: unknown): Promise<T> {
  const r = await dispatch(backend, method, input)
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
  return r.value as T
}

/** A replayed node, connected (its host key trusted as the admin would, seeing it). */
async function connectedNode(cases: ReplayedWindowsNodeOptions['cases']): Promise<{ node: ReplayedWindowsNode; id: string }> {
  const node = await startReplayedWindowsNode({ listen: { port: 0 }, password: PASSWORD, cases })
  nodes.push(node)
  const target = { host: '127.0.0.1', port: node.port, username: 'administrator', auth: { kind: 'password', password: PASSWORD } }
  const first = await call<ConnectResult>('connections.connect', target)
  if (first.status !== 'host-key-unknown') throw new Error(`expected a new host key, got ${first.status}`)
  await call('hostKeys.trust', first.hostKey)
  const second = await call<ConnectResult>('connections.connect', target)
  if (second.status !== 'connected') throw new Error(`not connected: ${second.status}`)
  return { node, id: second.connection.id }
}

async function validate(ids: string[]): Promise<ValidationReport> {
  const finished: string[] = []
  const off = backend.events.on('validation.finished', (f) => finished.push(f.runId))
  try {
    const { runId } = await call<{ runId: string }>('validation.start', { nodes: ids.map((connectionId) => ({ connectionId })), vip: VIP, tests: [FIREWALL_TEST] })
    await waitFor('the validation run to finish', () => finished.includes(runId), 30_000)
    return ValidationReportSchema.parse(await call('validation.report', { runId }))
  } finally {
    off()
  }
}

const resultOf = (r: ValidationReport, nodeId: string) => r.results.find((x) => x.testId === FIREWALL_TEST && x.nodeId === nodeId)!
/** The script runs a replayed node answered, decoded from the commands it received. */
const runsOn = (n: ReplayedWindowsNode) => n.execs.map((c) => identifyScript(c.split(' '))).filter((x) => x !== undefined)

describe('validation.createFirewallRule (replayed Windows nodes)', () => {
  it('creates the rule the report offers, scoped to the peers, then runs the firewall test again: Success', async () => {
    const a = await connectedNode(noRuleThenCreated())
    const b = await connectedNode(SECOND_NODE)
    const report = await validate([a.id, b.id])

    // Offered where no rule admits the peer; not where the firewall already lets it in.
    const before = resultOf(report, a.id)
    expect(before).toMatchObject({ status: 'Failed', fix: { kind: 'windows-firewall-rule', ruleName: 'HAVIP-VRRP-IP112', peers: ['198.51.100.22'] } })
    expect(before.details).toContain('no rule that admits IP protocol 112 from 198.51.100.22')
    expect(before.remediation).toContain('Create firewall rule')
    expect(resultOf(report, b.id)).toMatchObject({ status: 'Success' })
    expect(resultOf(report, b.id).fix).toBeUndefined()
    // Windows interface names with spaces reach the report (WIN-NODE2's "Ethernet 2").
    expect(report.nodes.find((n) => n.id === b.id)?.facts).toMatchObject({ interface: 'Ethernet 2', ipv4: '198.51.100.22/24' })

    const out = await call<CreateFirewallRuleResult>('validation.createFirewallRule', { runId: report.runId, nodeId: a.id })
    expect(out.rule).toEqual({ name: 'HAVIP-VRRP-IP112', displayName: 'HAVIP Manager: VRRP (IP protocol 112) from cluster peers', peers: ['198.51.100.22'] })
    expect(out.result).toMatchObject({ testId: FIREWALL_TEST, nodeId: a.id, status: 'Success' })
    expect(out.result.details).toContain('admits VRRP from every peer (HAVIP Manager: VRRP (IP protocol 112) from cluster peers)')
    expect(out.result.fix).toBeUndefined()

    // What went to the node: the rule script once, its values as data, exactly the offer; then the check again.
    const runs = runsOn(a.node)
    expect(runs.filter((r) => r.name === 'vrrp-firewall-rule')).toEqual([{ name: 'vrrp-firewall-rule', params: { name: 'HAVIP-VRRP-IP112', displayName: 'HAVIP Manager: VRRP (IP protocol 112) from cluster peers', peers: ['198.51.100.22'] } }])
    expect(runs.map((r) => r.name).lastIndexOf('vrrp-firewall-check')).toBeGreaterThan(runs.map((r) => r.name).indexOf('vrrp-firewall-rule'))
    expect(runsOn(b.node).some((r) => r.name === 'vrrp-firewall-rule')).toBe(false)

    // The report, and the file it was saved in, hold the new result.
    const after = ValidationReportSchema.parse(await call('validation.report', { runId: report.runId }))
    expect(resultOf(after, a.id)).toMatchObject({ status: 'Success' })
    expect(after.summary).toMatchObject({ overall: 'Warning', failed: 0 })
    const saved = JSON.parse(fs.readFileSync(after.files!.json, 'utf8')) as ValidationReport
    expect(resultOf(saved, a.id).status).toBe('Success')

    // Nothing to create where nothing was offered (now on both nodes).
    for (const id of [a.id, b.id]) {
      const again = await dispatch(backend, 'validation.createFirewallRule', { runId: report.runId, nodeId: id })
      expect(again).toMatchObject({ ok: false, error: { kind: 'conflict' } })
      if (!again.ok) expect(again.error.message).toMatch(/offers no firewall rule for .*the firewall test was Success/)
    }
  })

  it('access denied: an error saying what to do, and the report keeps its result', async () => {
    const a = await connectedNode({ ...SERVER_2022_CASES, 'vrrp-firewall-check': 'no-rule', 'vrrp-firewall-rule': 'access-denied' })
    const b = await connectedNode(SECOND_NODE)
    const report = await validate([a.id, b.id])
    expect(resultOf(report, a.id)).toMatchObject({ status: 'Failed', fix: { peers: ['198.51.100.22'] } })
    const checksBefore = runsOn(a.node).filter((r) => r.name === 'vrrp-firewall-check').length

    const r = await dispatch(backend, 'validation.createFirewallRule', { runId: report.runId, nodeId: a.id })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toMatchObject({ kind: 'command-failed', node: '127.0.0.1' })
    expect(r.error.message).toContain('Creating the firewall rule "HAVIP Manager: VRRP (IP protocol 112) from cluster peers" (HAVIP-VRRP-IP112) on')
    expect(r.error.message).toContain('Windows refused it (access denied): the login win-node1\\administrator cannot change Windows Firewall')
    expect(r.error.hint).toContain('local Administrators group')
    expect(r.error.hint).toContain('administrators_authorized_keys')
    expect(r.error.hint).toContain('New-NetFirewallRule -Name HAVIP-VRRP-IP112')
    expect(r.error.hint).toContain('-Protocol 112 -Action Allow -RemoteAddress 198.51.100.22 -Profile Any')
    // Not checked again after a refusal, and the report still says Failed with the offer.
    expect(runsOn(a.node).filter((x) => x.name === 'vrrp-firewall-check').length).toBe(checksBefore)
    const after = ValidationReportSchema.parse(await call('validation.report', { runId: report.runId }))
    expect(resultOf(after, a.id)).toMatchObject({ status: 'Failed', fix: { kind: 'windows-firewall-rule' } })
  })

  it('refuses input that is not a run id or a node id, and a node the run does not have', async () => {
    expect(await dispatch(backend, 'validation.createFirewallRule', { runId: '../../etc', nodeId: 'x' })).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'runId' } })
    expect(await dispatch(backend, 'validation.createFirewallRule', { runId: 'r1', nodeId: 'x', peers: ['203.0.113.9'] })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } })
    expect(await dispatch(backend, 'validation.createFirewallRule', { runId: '20261202T000000Z-000000', nodeId: 'x' })).toMatchObject({ ok: false, error: { kind: 'not-found' } })
  })
})
