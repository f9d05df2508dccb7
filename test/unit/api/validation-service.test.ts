// The validation service through the real backend facade (dispatch), without a lab: the
// catalogue, input errors, a run whose only node refuses connections (every test Failed with
// why), the saved HTML + JSON report, and reading it back in a later session.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../../electron/api/dispatch'
import { ValidationCatalogueSchema, ValidationReportSchema, type ValidationReport } from '../../../electron/api/validation'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { waitFor } from '../../support/wait-for'

let dir: string
let backend: Backend

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-validation-'))
  backend = createBackend({ dataDir: path.join(dir, 'data'), mode: 'browser', connectTimeoutMs: 3000 })
})

afterEach(async () => {
  await backend.dispose()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A local port with nothing listening: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

describe('validation service', () => {
  it('lists a catalogue of Inventory, Network and System tests with unique, valid ids', async () => {
    const r = await dispatch(backend, 'validation.catalogue', {})
    if (!r.ok) throw new Error(r.error.message)
    const tests = ValidationCatalogueSchema.parse(r.value)
    expect(new Set(tests.map((t) => t.id)).size).toBe(tests.length)
    for (const id of ['inventory.os-kernel', 'inventory.cpu-arch', 'inventory.hostname-unique', 'inventory.node-runtime', 'inventory.disk-space', 'inventory.clock-skew',
      'network.interface', 'network.vip-in-subnet', 'network.same-subnet', 'network.mtu', 'network.vip-free',
      'system.root-or-sudo', 'system.firewall-vrrp', 'system.other-vrrp-daemon', 'system.sysctls']) {
      expect(tests.map((t) => t.id)).toContain(id)
    }
  })

  it('refuses unknown test ids and bad input with a clear error', async () => {
    const target = { host: '127.0.0.1', port: 2, username: 'root', auth: { kind: 'password', password: 'x' } }
    const unknown = await dispatch(backend, 'validation.start', { nodes: [{ target }], vip: '198.51.100.200/24', tests: ['network.no-such-test'] })
    expect(unknown).toMatchObject({ ok: false, error: { kind: 'invalid-input', field: 'tests' } })
    const badVip = await dispatch(backend, 'validation.start', { nodes: [{ target }], vip: '198.51.100.300/24' })
    expect(badVip).toMatchObject({ ok: false, error: { kind: 'invalid-input' } })
    const badIf = await dispatch(backend, 'validation.start', { nodes: [{ target, interface: 'eth0|reboot' }], vip: '198.51.100.200/24' })
    expect(badIf).toMatchObject({ ok: false, error: { kind: 'invalid-input' } })
    expect(await dispatch(backend, 'validation.report', { runId: 'nope' })).toMatchObject({ ok: false, error: { kind: 'not-found' } })
  })

  it('a node that refuses SSH: every test Failed with why, report saved as HTML + JSON and readable in a later session', async () => {
    const port = await closedPort()
    const finished: string[] = []
    backend.events.on('validation.finished', (f) => finished.push(f.runId))
    const start = await dispatch(backend, 'validation.start', {
      nodes: [{ target: { host: '127.0.0.1', port, username: 'root', auth: { kind: 'password', password: 'x' } }, label: 'node <b>one</b>' }],
      vip: '198.51.100.200/24'
    })
    if (!start.ok) throw new Error(start.error.message)
    const { runId } = start.value as { runId: string }
    await waitFor('the run to finish', () => finished.includes(runId), 20_000)
    const r = await dispatch(backend, 'validation.report', { runId })
    if (!r.ok) throw new Error(r.error.message)
    const report = ValidationReportSchema.parse(r.value) as ValidationReport
    expect(report.nodes[0]).toMatchObject({ id: `root@127.0.0.1:${port}`, facts: null, error: { kind: 'refused' } })
    expect(report.results.length).toBe(report.tests.length)
    for (const res of report.results) {
      expect(res.status).toBe('Failed')
      expect(res.details).toContain('could not be reached')
      expect(res.remediation).toBeTruthy()
    }
    expect(report.summary).toMatchObject({ overall: 'Failed', failed: report.tests.length })
    expect(fs.statSync(report.files!.json).mode & 0o777).toBe(0o600)
    const html = fs.readFileSync(report.files!.html, 'utf8')
    expect(html).toContain('node &lt;b&gt;one&lt;/b&gt;')
    expect(html).not.toContain('<b>one</b>')

    // A later session (e.g. the CLI after the app) reads the saved report by its run id.
    const later = createBackend({ dataDir: path.join(dir, 'data'), mode: 'browser' })
    try {
      expect(await dispatch(later, 'validation.report', { runId })).toMatchObject({ ok: true, value: { runId, summary: { overall: 'Failed' } } })
      const h = await dispatch(later, 'validation.reportHtml', { runId })
      expect(h).toMatchObject({ ok: true, value: { path: report.files!.html } })
    } finally {
      await later.dispose()
    }
  })
})
