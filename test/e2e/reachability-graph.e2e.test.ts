// The live reachability graph in Chromium (issue 12): a 3-node cluster made through the API,
// its role opened from the cluster view (Actions: Show Reachability Graph), probing started from
// two nodes and this computer; the chart fills with live samples; stopping the master's agent
// shows a transition mark and a row with its measured outage. Screenshot
// docs/screenshots/reachability-graph.png. The cluster is destroyed after the file, also on failure.
import { describe, expect, it } from 'vitest'
import { waitFor } from '../support/wait-for'
import { shot } from './support/console-pages'
import { consoleSuite } from './support/console-suite'
import { createWebCluster, destroyWebClusters, webCall } from './support/web-cluster'

const CLUSTER = 'e2e-reach'
// Outside state.vipPool, so no other test's cluster shares it (the lab test uses .223/233).
const VIP = '198.51.100.224/24'
const VRID = 234

const suite = consoleSuite('reachability', async (s) => void (await destroyWebClusters(s)))

describe('reachability graph in the console', () => {
  it('shows live samples from three sources, then a transition mark with its measured outage after the master stops', async () => {
    const s = suite.server()
    const lab = suite.lab()
    const call = (method: string, input: unknown): Promise<unknown> => webCall(s, method, input)
    const { clusterId, report } = await createWebCluster(s, lab, {
      name: CLUSTER,
      nodes: lab.nodes.slice(0, 3).map((n) => n.name),
      role: { vip: VIP, vrid: VRID, version: 3, advertIntervalMs: 100 },
      skipReason: 'e2e test of the reachability graph'
    })
    const master = report.masters[0]!.node!

    const page = await suite.pages.open(s.url, { width: 1360, height: 900 })
    await page.getByRole('treeitem', { name: new RegExp(`^${CLUSTER}`) }).click()
    const main = page.getByRole('main')
    await main.locator('tr[data-role="vip1"]').first().click() // the summary shows it live and configured
    await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Show Reachability Graph' }).click()
    const view = main.getByRole('region', { name: 'Reachability graph' })
    await view.getByRole('button', { name: 'Start probing' }).waitFor()
    // Probe from the two nodes that are not the master, and from this computer (TCP 22).
    await view.getByRole('checkbox', { name: new RegExp(`^${master}`) }).uncheck()
    await view.getByRole('button', { name: 'Start probing' }).click()
    await view.getByRole('button', { name: 'Stop probing' }).waitFor()
    await view.getByRole('button', { name: '10 s' }).click()

    // Live samples: each source's line under the chart shows its last rtt and a growing count.
    const stats = view.getByTestId('source-stats')
    await waitFor('an answered probe from every source', async () => {
      const lines = await stats.allTextContents()
      return lines.length === 3 && lines.every((l) => /last \d+\.\d\d ms/.test(l) && Number(/(\d+) probes/.exec(l)?.[1] ?? 0) >= 150) // 15 s of history before the failover
    }, 40_000, 200)

    await call('clusters.nodeService', { clusterId, node: master, action: 'stop' })
    const rows = view.getByTestId('transition-row')
    const away = (t: string): boolean => t.includes(`${master} →`) && !t.includes('measuring') && /outage \d+ ms/.test(t)
    await waitFor('a transition row away from the master with every outage measured', async () => (await rows.allTextContents()).some(away), 30_000, 200)
    await view.getByRole('button', { name: '1 min' }).click() // the mark in view with the time before it
    const text = (await rows.allTextContents()).find(away) ?? ''
    console.log(`reachability e2e: ${text.trim()}`)
    await shot(page, 'reachability-graph.png', false)
    await call('clusters.nodeService', { clusterId, node: master, action: 'start' })
    expect(suite.pages.problems).toEqual([])
  }, 300_000)
})
