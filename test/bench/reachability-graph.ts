/**
 * The renderer's frame time with the live reachability graph at 10 Hz × 3 sources (issue 12):
 * browser mode as a user starts it, a 3-node cluster made through the API, the graph opened in
 * Debian's Chromium from the role's Actions and probing from two nodes and this computer every
 * 100 ms; the page then records requestAnimationFrame timestamps for 10 s per repeat (at the
 * 10 s and at the 1 min window). Frame intervals p50/p95/max and frames over 50 ms. The
 * cluster is destroyed at the end, also on failure.
 */
import type { Page } from 'playwright-core'
import { launchChromium } from '../e2e/support/chromium'
import { createWebCluster, destroyWebClusters } from '../e2e/support/web-cluster'
import { startWebServer } from '../e2e/support/web-server'
import { readLabState } from '../lab/lab'
import { waitFor } from '../support/wait-for'
import { median, percentile, type Bench, type BenchRow } from './registry'

// Outside state.vipPool (the lab test uses .223/233, the e2e .224/234).
const VIP = '198.51.100.225/24'
const VRID = 235
const SAMPLE_MS = 10_000

/** rAF timestamps for `ms` in the page: the intervals between frames. */
async function frameIntervals(page: Page, ms: number): Promise<number[]> {
  // A string, not a function: tsx's transform would add helpers (__name) the page does not have.
  return page.evaluate(`new Promise((resolve) => {
    const ts = []
    const step = (t) => {
      ts.push(t)
      if (t - ts[0] < ${Math.floor(ms)}) requestAnimationFrame(step)
      else resolve(ts.slice(1).map((x, i) => x - ts[i]))
    }
    requestAnimationFrame(step)
  })`) as Promise<number[]>
}

export const reachabilityGraphBench: Bench = {
  name: 'reachability-graph',
  description: 'renderer frame time with the live reachability graph at 10 Hz × 3 sources (Chromium, browser mode)',
  async run(ctx) {
    const server = await startWebServer()
    const browser = await launchChromium()
    try {
      const lab = readLabState()
      if (!lab) throw new Error('the lab is not up')
      const { report } = await createWebCluster(server, lab, {
        name: 'bench-reach',
        nodes: lab.nodes.slice(0, 3).map((n) => n.name),
        role: { vip: VIP, vrid: VRID, version: 3, advertIntervalMs: 100 },
        skipReason: 'bench of the reachability graph'
      })
      const master = report.masters[0]!.node!
      const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage()
      await page.goto(server.url)
      await page.getByRole('treeitem', { name: /^bench-reach/ }).click()
      const main = page.getByRole('main')
      await main.locator('tr[data-role="vip1"]').click()
      await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Show Reachability Graph' }).click()
      const view = main.getByRole('region', { name: 'Reachability graph' })
      await view.getByRole('checkbox', { name: new RegExp(`^${master}`) }).uncheck()
      await view.getByRole('button', { name: 'Start probing' }).click()
      const stats = view.getByTestId('source-stats')
      await waitFor('samples from 3 sources', async () => {
        const lines = await stats.allTextContents()
        return lines.length === 3 && lines.every((l) => Number(/(\d+) probes/.exec(l)?.[1] ?? 0) >= 30)
      }, 30_000, 200)
      const rows: BenchRow[] = []
      for (const w of ['10 s', '1 min']) {
        await view.getByRole('button', { name: w, exact: true }).click()
        const p50: (number | null)[] = []
        const p95: (number | null)[] = []
        const max: (number | null)[] = []
        const long: number[] = []
        for (let i = 0; i < ctx.repeats; i++) {
          const iv = await frameIntervals(page, ctx.quick ? 3000 : SAMPLE_MS)
          p50.push(percentile(iv, 50))
          p95.push(percentile(iv, 95))
          max.push(iv.length ? Math.max(...iv) : null)
          long.push(iv.filter((x) => x > 50).length)
          ctx.log(`window ${w}: ${iv.length} frames, p50 ${p50.at(-1)?.toFixed(1)} ms, p95 ${p95.at(-1)?.toFixed(1)} ms, max ${max.at(-1)?.toFixed(1)} ms`)
        }
        const subject = `3 sources × 10 Hz, window ${w}`
        rows.push(
          { metric: 'frame interval p50', subject, median: median(p50), unit: 'ms', samples: p50 },
          { metric: 'frame interval p95', subject, median: median(p95), unit: 'ms', samples: p95 },
          { metric: 'frame interval max', subject, median: median(max), unit: 'ms', samples: max },
          { metric: 'frames over 50 ms', subject, median: median(long), unit: 'frames', samples: long, note: `per ${(ctx.quick ? 3000 : SAMPLE_MS) / 1000} s` }
        )
      }
      await view.getByRole('button', { name: 'Stop probing' }).click()
      return rows
    } finally {
      await destroyWebClusters(server).catch((e) => ctx.log(`reachability-graph bench clean-up: ${(e as Error).message}`))
      await browser.close().catch(() => undefined)
      await server.stop()
    }
  }
}
