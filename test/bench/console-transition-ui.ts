/**
 * Bench "console-transition-ui" (issue 12): from a transition on a node to the console showing
 * it. Browser mode started as a user starts it, a 3-node lab cluster made through its API, the
 * cluster's live Roles view open in Debian's Chromium. Two kinds of transition:
 *   - Moves through the API (clusters.move, round the nodes: n1 → n2 → n3 → n1 ...): each ends
 *     with two transitions, the target entering Master and the old owner leaving it; the view
 *     can show the new owner only once it has both, so a sample starts at the later one;
 *   - Stop Cluster Service on the owner (then Start again): its agent stops, a backup takes over;
 *     a sample starts at the new owner's transition to Master.
 * The start is the agent's own transition time, read from `ctl status` on the node (the lab's
 * nodes share the host's clock); the end is the animation frame after a MutationObserver in the
 * page saw the Roles view's owner cell change to the new owner. Also timed: the same transition
 * to the cluster.state event reaching an API client on its own WebSocket (the backend's share).
 * Aim: <= 1 s p95. The cluster is destroyed at the end, also on failure.
 */
import type { Page } from 'playwright-core'
import type { ClusterState } from '../../electron/api/console'
import { listenToEvents } from '../e2e/support/api-client'
import { launchChromium } from '../e2e/support/chromium'
import { createWebCluster, destroyWebClusters, webCall } from '../e2e/support/web-cluster'
import { startWebServer } from '../e2e/support/web-server'
import { readLabState, type LabState } from '../lab/lab'
import { waitFor } from '../support/wait-for'
import { lastTransitionAt, nextNode } from './console-lab'
import { distributionRows, type Bench, type BenchRow } from './registry'

const CLUSTER = 'bench-ui'
const NODES = ['n1', 'n2', 'n3']
// Outside state.vipPool and every other lab test's VIP/VRID.
const VIP = '198.51.100.226'
const VRID = 226
const ROLE = 'vip1'

interface OwnerChange {
  owner: string
  /** When the MutationObserver saw the cell change (ms since the epoch). */
  at: number
  /** The animation frame after it: when the change is on screen. */
  shown: number | null
}

/**
 * Notes every change of the role's owner cell in the page (window.__ownerChanges). The whole
 * body is observed, so a re-rendered table is still followed. A string, not a function: tsx's
 * transform would add helpers (__name) the page does not have.
 */
const OBSERVE_OWNER = `(() => {
  const cell = () => document.querySelector('[data-testid="live-roles"] tr[data-role="${ROLE}"] [data-testid="role-owner"]')
  const changes = (window.__ownerChanges = [])
  let last = cell()?.textContent?.trim() ?? null
  new MutationObserver(() => {
    const now = cell()?.textContent?.trim() ?? null
    if (now === last) return
    last = now
    const rec = { owner: now, at: Date.now(), shown: null }
    changes.push(rec)
    requestAnimationFrame(() => { rec.shown = Date.now() })
  }).observe(document.body, { subtree: true, childList: true, characterData: true })
})()`

async function ownerShown(page: Page, owner: string, since: number): Promise<OwnerChange | undefined> {
  const all = (await page.evaluate('window.__ownerChanges')) as OwnerChange[]
  return all.find((c) => c.owner === owner && c.at >= since && c.shown !== null)
}

/** One transition measured: to the frame that showed it, and to the API client's event. */
interface Sample {
  ui: number
  client: number | null
}

/** What both kinds of transition need: the page, the events an API client saw, the live state. */
interface Watching {
  page: Page
  clientSaw: { owner: string | null; alone: boolean; at: number }[]
  state: () => Promise<ClusterState>
}

const settled = (s: ClusterState, owner?: string): boolean => s.roles[0]?.state === 'Online' && (!owner || s.roles[0]?.owner === owner) && s.nodes.every((n) => n.state === 'Up')

/** From `happened` (an agent's transition time) to the page showing `owner`, and to the API client hearing of it. */
function sampleOf(w: Watching, shown: OwnerChange, owner: string, since: number, happened: number): Sample {
  const client = w.clientSaw.find((c) => c.at >= since && c.owner === owner && c.alone)
  return { ui: shown.shown! - happened, client: client ? client.at - happened : null }
}

/**
 * Moves round the nodes. The sample starts at the later of the two transitions (the target
 * entering Master, the old owner leaving it): the view can show the new owner only after both.
 */
async function moves(w: Watching, lab: LabState, call: (m: string, i: unknown) => Promise<unknown>, clusterId: string, first: string, count: number, log: (l: string) => void): Promise<{ samples: Sample[]; owner: string }> {
  const samples: Sample[] = []
  let owner = first
  for (let i = 0; i < count; i++) {
    const from = owner
    const to = nextNode(NODES, from)
    const t0 = Date.now()
    const moved = (await call('clusters.move', { clusterId, role: ROLE, to })) as { owner: string }
    if (moved.owner !== to) throw new Error(`move ${i + 1}: ${ROLE} went to ${moved.owner}, not ${to}`)
    const shown = await waitFor(`move ${i + 1}: the Roles view to show ${to}`, () => ownerShown(w.page, to, t0), 10_000, 20)
    const entered = await lastTransitionAt(lab, to, ROLE, 'master', 'to')
    const left = await lastTransitionAt(lab, from, ROLE, 'master', 'from')
    if (entered < t0 || left < t0) throw new Error(`move ${i + 1}: the agents' last transitions (${to} ${new Date(entered).toISOString()}, ${from} ${new Date(left).toISOString()}) are older than the move`)
    samples.push(sampleOf(w, shown, to, t0, Math.max(entered, left)))
    log(`move ${i + 1}/${count} ${from} -> ${to}: shown ${samples.at(-1)!.ui} ms after the transition (${left >= entered ? `${from} leaving` : `${to} entering`} Master), at an API client after ${samples.at(-1)!.client ?? '-'} ms`)
    owner = to
    await waitFor(`move ${i + 1}: the cluster settled on ${to}`, async () => settled(await w.state(), to), 20_000, 100)
  }
  return { samples, owner }
}

/**
 * Stop Cluster Service on the owner (its agent stops and lets the VIP go; a backup takes over),
 * then Start it again. The sample starts at the new owner's transition to Master (the later one).
 */
async function failovers(w: Watching, lab: LabState, call: (m: string, i: unknown) => Promise<unknown>, clusterId: string, first: string, count: number, log: (l: string) => void): Promise<Sample[]> {
  const samples: Sample[] = []
  let owner = first
  for (let i = 0; i < count; i++) {
    const from = owner
    const t0 = Date.now()
    await call('clusters.nodeService', { clusterId, node: from, action: 'stop' })
    // Who took over, once the console settled (two backups may both step up for a moment).
    let to = ''
    await waitFor(`stop ${i + 1}: a new owner`, async () => {
      const r = (await w.state()).roles[0]
      to = r?.owner ?? ''
      return r?.state === 'Online' && to !== from && NODES.includes(to)
    }, 15_000, 100)
    const entered = await lastTransitionAt(lab, to, ROLE, 'master', 'to')
    if (entered < t0) throw new Error(`stop ${i + 1}: ${to}'s last transition to Master (${new Date(entered).toISOString()}) is older than the stop`)
    const shown = await waitFor(`stop ${i + 1}: the Roles view to show ${to}`, () => ownerShown(w.page, to, entered), 10_000, 20)
    samples.push(sampleOf(w, shown, to, entered, entered))
    const between = ((await w.page.evaluate('window.__ownerChanges')) as OwnerChange[]).filter((c) => c.at >= t0 && c.at < shown.at).map((c) => c.owner)
    log(`stop ${i + 1}/${count} on ${from}: ${to} took over; shown ${samples.at(-1)!.ui} ms after its transition to Master, at an API client after ${samples.at(-1)!.client ?? '-'} ms (the owner cell showed ${between.join(', ') || 'nothing else'} in between)`)
    owner = to
    await call('clusters.nodeService', { clusterId, node: from, action: 'start' })
    await waitFor(`stop ${i + 1}: the cluster settled on ${owner} with ${from} back`, async () => settled(await w.state(), owner), 30_000, 100)
  }
  return samples
}

export const consoleTransitionUiBench: Bench = {
  name: 'console-transition-ui',
  description: 'from a transition on a node (Move; Stop Cluster Service on the owner) to the console showing it in Chromium (browser mode); aim <= 1 s p95',
  async run(ctx) {
    const lab = readLabState()
    if (!lab) throw new Error('the lab is not up')
    const moveCount = ctx.quick ? 4 : 20
    const stopCount = ctx.quick ? 2 : 6
    const server = await startWebServer()
    const browser = await launchChromium()
    const clientSaw: Watching['clientSaw'] = []
    let events: { close(): void } | undefined
    try {
      const { clusterId } = await createWebCluster(server, lab, {
        name: CLUSTER,
        nodes: NODES,
        role: { vip: `${VIP}/24`, vrid: VRID, preferredOwners: ['n1'], failback: { policy: 'never' } },
        skipReason: 'bench of the console\'s live view'
      })
      const call = (method: string, input: unknown): Promise<unknown> => webCall(server, method, input)
      const state = async (): Promise<ClusterState> => (await call('clusters.state', { clusterId })) as ClusterState
      let owner = ''
      await waitFor('the role Online and every node Up', async () => {
        const s = await state()
        owner = s.roles[0]?.owner ?? ''
        return settled(s)
      }, 60_000, 250)
      events = await listenToEvents(server.baseUrl, server.token, (event, payload) => {
        if (event !== 'cluster.state') return
        const r = (payload as ClusterState).roles[0]
        clientSaw.push({ owner: r?.owner ?? null, alone: r?.claimants.length === 1, at: Date.now() })
      })

      const page = await (await browser.newContext({ viewport: { width: 1360, height: 820 } })).newPage()
      await page.goto(server.url)
      const tree = page.getByRole('tree')
      await tree.getByRole('treeitem', { name: CLUSTER }).first().waitFor()
      await tree.getByRole('treeitem', { name: 'Roles', exact: true }).click()
      await page.getByTestId('live-roles').locator(`tr[data-role="${ROLE}"] [data-testid="role-owner"]`, { hasText: owner }).waitFor()
      await page.evaluate(OBSERVE_OWNER)

      const w: Watching = { page, clientSaw, state }
      const moved = await moves(w, lab, call, clusterId, owner, moveCount, ctx.log)
      const stopped = await failovers(w, lab, call, clusterId, moved.owner, stopCount, ctx.log)
      const rows: BenchRow[] = []
      for (const [what, samples] of [[`${moveCount} Moves`, moved.samples], [`${stopCount} Stop Cluster Service on the owner`, stopped]] as const) {
        const subject = `3 nodes, ${what} (browser mode, Chromium)`
        rows.push(
          ...distributionRows('transition → Roles view shows the new owner', subject, samples.map((x) => x.ui), 'ms', 'aim <= 1000 ms p95; from the agent\'s transition time (the later one) to the frame after the owner cell changed'),
          ...distributionRows('transition → cluster.state at an API client', subject, samples.map((x) => x.client), 'ms', 'the backend\'s share: node → SSH feed → backend → WebSocket')
        )
      }
      return rows
    } finally {
      events?.close()
      await destroyWebClusters(server).catch((e) => ctx.log(`${CLUSTER} clean-up: ${(e as Error).message}`))
      await browser.close().catch(() => undefined)
      await server.stop()
    }
  }
}
