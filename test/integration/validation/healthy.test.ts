// A healthy 3-node lab, validated through the API with the nodes given as SSH targets (as the
// CLI gives them): every test passes (Warning only with its reason), progress comes per test
// and node, and the report is saved as self-contained HTML plus JSON.
import * as fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationReport } from '../../../electron/api/validation'
import { allTests } from '../../../electron/backend/validation/groups/catalogue'
import { describeResults, makeValidationEnv, type ValidationEnv } from './helpers'

let env: ValidationEnv

beforeAll(async () => {
  env = await makeValidationEnv()
})

afterAll(async () => {
  await env?.dispose()
})

describe('validate a healthy 3-node lab', () => {
  let report: ValidationReport

  it('every test is Success, or Warning with a reason and what to do', async () => {
    const vip = `${env.lab.vipPool[0]}/24`
    const r = await env.validate({ nodes: ['n1', 'n2', 'n3'].map((n) => ({ target: env.rootTarget(n) })), vip, vrid: 201 })
    report = r.report
    expect(report.finishedAt).toBeDefined()
    expect(report.cancelled).toBe(false)
    expect(report.nodes.map((n) => n.facts?.hostname)).toEqual(['n1', 'n2', 'n3'])
    const catalogue = await env.call('validation.catalogue', {})
    expect(report.results).toHaveLength(catalogue.length * 3)
    // The Windows-only tests do not apply to these Linux nodes: NotRun, saying so; every other test ran.
    const linuxTests = new Set(allTests().filter((t) => (t.platforms ?? ['linux']).includes('linux')).map((t) => t.meta.id))
    expect(linuxTests.size).toBeLessThan(catalogue.length) // the catalogue has Windows-only tests too
    const ran = { ...report, results: report.results.filter((x) => linuxTests.has(x.testId)) }
    expect(describeResults(ran, ['Failed', 'NotRun'])).toBe('')
    for (const x of report.results.filter((y) => !linuxTests.has(y.testId))) {
      expect(x.status, `${x.testId}@${x.nodeId}`).toBe('NotRun')
      expect(x.details).toMatch(/is a test for Windows nodes, and this node runs Linux/)
    }
    for (const w of report.results.filter((x) => x.status === 'Warning')) {
      expect(w.details.length, `${w.testId}: details`).toBeGreaterThan(10)
      expect(w.remediation, `${w.testId}: remediation`).toBeTruthy()
    }
    expect(report.summary.overall).not.toBe('Failed')
    // Every (test, node) got Running then its final status.
    for (const res of report.results) {
      const seen = r.progress.filter((p) => p.testId === res.testId && p.nodeId === res.nodeId).map((p) => p.status)
      expect(seen, `${res.testId}@${res.nodeId}`).toContain(res.status)
    }
  })

  it('saves the report as HTML and JSON under <dataDir>/reports, readable through the API', async () => {
    expect(report.files).toBeDefined()
    expect(report.files!.html.startsWith(`${env.dataDir}/reports/`)).toBe(true)
    const json = JSON.parse(fs.readFileSync(report.files!.json, 'utf8')) as ValidationReport
    expect(json.runId).toBe(report.runId)
    expect(json.results).toEqual(report.results)
    const { html, path } = await env.call('validation.reportHtml', { runId: report.runId })
    expect(path).toBe(report.files!.html)
    expect(html).toContain('<!DOCTYPE html>')
    expect(html).not.toMatch(/<script|<link|src=/i)
    for (const n of ['n1', 'n2', 'n3']) expect(html).toContain(`<td>${n}</td>`)
  })
})
