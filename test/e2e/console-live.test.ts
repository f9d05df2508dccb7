// The live console end to end in Debian's Chromium (browser mode) on a real 3-node lab cluster
// (made through the API, validation skipped with a reason, agents deployed by the app): the
// cluster's live Roles view shows one owner, the live Nodes view shows every node Up with that
// owner Master; Move → Select Node... from the Actions pane moves the role, the result names the
// new owner and the measured outage, the Roles view follows, and the lab's kernel agrees; then
// Simulate Failure... of the new owner from the Actions pane: the confirmation says which node and
// for how long, the result names the node that took over and the measured outage, and the failed
// node comes back as a Backup once its time is up. Then, on the same cluster: a Move shows on the
// reachability graph as a transition mark with its measured outage; VRRP cut on one node (its SSH
// kept) raises the split-brain alert in the Roles view and its events in Cluster Events, and the
// alert clears on heal; the status bar's recent events name the cluster in the alert line. The
// cluster is destroyed in afterAll, also when a test failed.
import { describe, expect, it } from 'vitest'
import type { ClusterState } from '../../electron/api/console'
import { nodeExec } from '../lab/lab'
import { dropVrrpWithNft, type Undo } from '../lab/shapes'
import { waitFor } from '../support/wait-for'
import { callApi } from './support/api-client'
import { consoleSuite } from './support/console-suite'
import { shot } from './support/console-pages'
import { createWebCluster, destroyWebClusters } from './support/web-cluster'
import type { RunningWebServer } from './support/web-server'

const CLUSTER = 'e2e-live'
const NODES = ['n1', 'n2', 'n3']
/** The pool's last VIP and a VRID no other lab test uses. */
const VIP_INDEX = 20
const VRID = 233

const suite = consoleSuite('console-live', destroyCluster)
const pages = suite.pages
/** One cluster for the file (creating one takes ~30 s): made by the first test that needs it. */
let made: Promise<string> | undefined
const clusterOnce = (s: RunningWebServer, vip: string): Promise<string> => (made ??= makeCluster(s, vip))

async function destroyCluster(s: RunningWebServer): Promise<void> {
  const destroyed = await destroyWebClusters(s)
  const vip = suite.lab().vipPool[VIP_INDEX]!
  if (destroyed.length > 0) await waitFor('the VIP and the cluster files gone from the lab nodes', async () => (await holders(vip)).length === 0 && !(await anyClusterFile()), 120_000, 1000)
}

async function anyClusterFile(): Promise<boolean> {
  for (const n of NODES) if ((await nodeExec(n, ['test', '-e', '/etc/havip/cluster.json'])).code === 0) return true
  return false
}

async function holders(address: string): Promise<string[]> {
  const out: string[] = []
  for (const n of NODES) if ((await nodeExec(n, ['ip', '-4', '-o', 'addr', 'show'])).stdout.includes(` ${address}/`)) out.push(n)
  return out
}

/** Connects the lab's nodes through the public API (pinning their known host keys) and creates the cluster. */
async function makeCluster(s: RunningWebServer, vip: string): Promise<string> {
  const { clusterId } = await createWebCluster(s, suite.lab(), {
    name: CLUSTER,
    nodes: NODES,
    role: { vip: `${vip}/${suite.lab().prefix}`, vrid: VRID, preferredOwners: ['n1'], failback: { policy: 'never' } },
    skipReason: 'e2e test of the live console: the lab is validated by the wizard e2e tests'
  })
  return clusterId
}

describe('live console', () => {
  it('shows the live Roles and Nodes views with one owner and moves the role from the Actions pane', async () => {
    const s = suite.server()
    const vip = suite.lab().vipPool[VIP_INDEX]!
    const clusterId = await clusterOnce(s, vip)
    const state = (): Promise<ClusterState> => callApi(s.baseUrl, s.token, 'clusters.state', { clusterId }) as Promise<ClusterState>
    let snap: ClusterState | undefined
    await waitFor('the role Online with one owner and every node Up', async () => {
      snap = await state()
      return snap.roles[0]?.state === 'Online' && snap.nodes.every((n) => n.state === 'Up')
    }, 60_000, 500)
    const role = snap!.roles[0]!
    const owner = role.owner!

    const page = await pages.open(s.url)
    const tree = page.getByRole('tree')
    // This browser-mode server's own data dir knows only this cluster: its Roles and Nodes entries are the tree's only ones.
    await tree.getByRole('treeitem', { name: CLUSTER }).first().waitFor()
    await tree.getByRole('treeitem', { name: 'Roles', exact: true }).click()

    const roles = page.getByTestId('live-roles')
    const row = roles.locator(`tr[data-role="${role.name}"]`)
    await row.locator('[data-testid="role-owner"]', { hasText: owner }).waitFor()
    expect(await row.getAttribute('data-state')).toBe('Online')
    expect(await row.textContent()).toContain(vip)
    await shot(page, 'console-roles.png')

    // Move → Select Node... from the Actions pane, to a node that is not the owner.
    const target = NODES.find((n) => n !== owner)!
    await row.click()
    const actions = page.getByRole('complementary', { name: /Actions/ })
    await actions.getByRole('button', { name: 'Move → Select Node...' }).click()
    const picker = page.getByRole('dialog', { name: 'Move Role to Node' })
    await picker.getByLabel(target).check()
    await picker.getByRole('button', { name: 'Move' }).click()
    const result = page.getByTestId('live-action')
    await result.and(page.locator('[data-phase="done"], [data-phase="failed"]')).waitFor({ timeout: 60_000 })
    const said = (await result.textContent()) ?? ''
    expect(await result.getAttribute('data-phase'), said).toBe('done')
    expect(said).toContain(`${role.name} is now on ${target} (was ${owner})`)
    console.log(`console-live e2e: ${said.trim()}`)
    await row.locator('[data-testid="role-owner"]', { hasText: target }).waitFor()
    await waitFor(`the VIP on ${target} alone`, async () => (await holders(vip)).join() === target, 20_000, 200)

    // Simulate Failure... of the owner (now `target`) for 5 s, from the Actions pane.
    await page.getByTestId('live-action').getByRole('button', { name: 'Dismiss' }).click()
    await row.click()
    await actions.getByRole('button', { name: 'Simulate Failure...' }).click()
    const confirm = page.getByRole('dialog', { name: 'Simulate Failure' })
    await confirm.getByTestId('simulate-duration').selectOption({ label: '5 s' })
    expect(await confirm.textContent()).toMatch(new RegExp(`Simulate a failure of ${target}, the owner of ${role.name}\\?[\\s\\S]*holds no role for 5 s`))
    await shot(page, 'console-simulate-failure.png')
    await confirm.getByRole('button', { name: 'Simulate Failure for 5 s' }).click()
    await result.and(page.locator('[data-phase="done"], [data-phase="failed"]')).waitFor({ timeout: 60_000 })
    const drill = (await result.textContent()) ?? ''
    expect(await result.getAttribute('data-phase'), drill).toBe('done')
    const took = new RegExp(`${role.name} failed over from ${target} to (n\\d); measured outage (\\d+) ms`).exec(drill)
    expect(took, drill).not.toBeNull()
    const newOwner = took![1]!
    expect(newOwner).not.toBe(target)
    console.log(`console-live e2e: ${drill.trim()}`)
    await row.locator('[data-testid="role-owner"]', { hasText: newOwner }).waitFor()
    await shot(page, 'console-simulate-failure-result.png')

    await tree.getByRole('treeitem', { name: 'Nodes', exact: true }).click()
    const nodes = page.getByTestId('live-nodes')
    for (const n of NODES) {
      const nrow = nodes.locator(`tr[data-node="${n}"]`)
      await nrow.locator('[data-testid="node-state"]', { hasText: 'Up' }).waitFor()
      // The failed node is back as a Backup once its 5 s are up (failback "never": the role stays on newOwner).
      await nrow.locator(`[data-testid="node-role"][data-role="${role.name}"]`, { hasText: n === newOwner ? 'Master' : 'Backup' }).waitFor({ timeout: 30_000 })
    }
    await shot(page, 'console-nodes.png')
    expect(pages.problems).toEqual([])
  }, 300_000)
  it('marks a Move on the reachability graph with its outage; a VRRP cut raises the split-brain alert and its events, cleared on heal', async () => {
    const s = suite.server()
    const vip = suite.lab().vipPool[VIP_INDEX]!
    const clusterId = await clusterOnce(s, vip)
    const call = (method: string, input: unknown): Promise<unknown> => callApi(s.baseUrl, s.token, method, input)
    const state = (): Promise<ClusterState> => call('clusters.state', { clusterId }) as Promise<ClusterState>
    let snap: ClusterState | undefined
    await waitFor('the role Online with one owner', async () => {
      snap = await state()
      return snap.roles[0]?.state === 'Online' && snap.nodes.every((n) => n.state === 'Up')
    }, 60_000, 500)
    const roleName = snap!.roles[0]!.name
    const owner = snap!.roles[0]!.owner!

    const page = await pages.open(s.url, { width: 1360, height: 900 })
    const tree = page.getByRole('tree')
    const main = page.getByRole('main')
    await tree.getByRole('treeitem', { name: CLUSTER }).first().click()
    // The summary shows the role twice (live and configured): either row selects it.
    await main.locator(`tr[data-role="${roleName}"]`).first().click()
    await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Show Reachability Graph' }).click()
    const graph = main.getByRole('region', { name: 'Reachability graph' })
    await graph.getByRole('button', { name: 'Start probing' }).click()
    await graph.getByRole('button', { name: 'Stop probing' }).waitFor()
    await graph.getByRole('button', { name: '10 s' }).click()
    const stats = graph.getByTestId('source-stats')
    await waitFor('answered probes from every source', async () => {
      const lines = await stats.allTextContents()
      return lines.length >= 3 && lines.every((l) => /last \d+\.\d\d ms/.test(l) && Number(/(\d+) probes/.exec(l)?.[1] ?? 0) >= 50)
    }, 40_000, 200)

    // A Move while the graph probes: its mark names both nodes and the outage each source measured.
    const target = NODES.find((n) => n !== owner)!
    await call('clusters.move', { clusterId, role: roleName, to: target })
    const rows = graph.getByTestId('transition-row')
    const moved = (t: string): boolean => t.includes(`${owner} → ${target}`) && !t.includes('measuring') && /outage \d+ ms/.test(t)
    await waitFor('the transition mark of the Move, its outage measured', async () => (await rows.allTextContents()).some(moved), 30_000, 200)
    console.log(`console-live e2e, Move on the graph: ${((await rows.allTextContents()).find(moved) ?? '').trim()}`)
    await shot(page, 'reachability-move.png', false)

    // VRRP cut between the master and a backup, both ways (SSH kept): each stops hearing the
    // other, so the backup claims the role too. (One way only is no split when the cut node wins
    // the tie-break: the master hears it and steps down.)
    const cut = NODES.find((n) => n !== target && n !== owner)!
    const undos: Undo[] = [await dropVrrpWithNft(cut), await dropVrrpWithNft(target)]
    try {
      await tree.getByRole('treeitem', { name: 'Roles', exact: true }).click()
      const alerts = page.getByTestId('live-alerts')
      await alerts.locator('li[data-alert="split-brain"][role="alert"]').waitFor({ timeout: 30_000 })
      expect(await alerts.textContent()).toMatch(new RegExp(`${target}|${cut}`))
      await page.getByTestId('live-roles').locator(`tr[data-role="${roleName}"][data-state="Split"]`).waitFor()
      await shot(page, 'console-alert.png', false)
      // The status bar's recent events say which cluster by its name, never its id.
      const statusBar = page.locator('footer.statusbar')
      await statusBar.getByRole('button', { name: /^Events/ }).click()
      const recent = page.getByRole('region', { name: 'Recent events' })
      const alertLines = async (): Promise<string[]> => (await recent.locator('li').allTextContents()).filter((l) => l.includes('ALERT'))
      await waitFor('the split-brain alert in the status bar\'s recent events', async () => (await alertLines()).some((l) => l.includes(`cluster ${CLUSTER}: ALERT split-brain`)), 10_000, 200)
      expect((await alertLines()).filter((l) => l.includes(clusterId))).toEqual([])
      await statusBar.getByRole('button', { name: /^Events/ }).click()

      await tree.getByRole('treeitem', { name: 'Cluster Events', exact: true }).click()
      const events = page.getByTestId('events-table')
      await events.locator('tr[data-kind="alert"]', { hasText: /split/i }).first().waitFor({ timeout: 20_000 })
      await events.locator('tr[data-kind="transition"]', { hasText: cut }).first().waitFor({ timeout: 20_000 })
      await shot(page, 'cluster-events.png', false)
    } finally {
      for (const undo of undos.splice(0)) await undo()
    }
    await tree.getByRole('treeitem', { name: 'Roles', exact: true }).click()
    await page.getByTestId('live-alerts').locator('li[data-alert="split-brain"]:not([role="alert"])').waitFor({ timeout: 40_000 })
    await page.getByTestId('live-roles').locator(`tr[data-role="${roleName}"][data-state="Online"]`).waitFor()
    expect(pages.problems).toEqual([])
  }, 300_000)
})
