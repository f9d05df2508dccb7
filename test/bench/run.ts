/**
 * npm run bench [-- --only NAME[,NAME...]] [--quick] [--repeats N] [--scenarios crash,nodefail,clean,takeover,idle]
 *                 [--settings "v3 1s,v2 1s,v3 100ms,v3 20ms"]
 * Brings the lab up if needed (and down again at the end if it built it and nobody else uses
 * it), runs the registered benches, prints a table per bench and writes bench-results/NAME.json;
 * a narrowed run (--quick, --scenarios, --settings) writes NAME.partial-<what>.json instead.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { labDown, labUpDetailed, otherLabUsers, unregisterLabUser } from '../lab/lab'
import { agentBench } from './agent-failover'
import { formatRows, type Bench } from './registry'
import { validationBench } from './validation'
import { clusterCreateBench } from './cluster-create'
import { reachabilityGraphBench } from './reachability-graph'
import { consoleTransitionUiBench } from './console-transition-ui'
import { consoleMoveBench } from './console-move'

/** Every bench the runner knows. Other modules add theirs here. */
export const BENCHES: Bench[] = [agentBench, validationBench, clusterCreateBench, reachabilityGraphBench, consoleTransitionUiBench, consoleMoveBench]

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

async function main(): Promise<number> {
  const only = arg('only')
  const quick = process.argv.includes('--quick')
  const repeats = Number(arg('repeats') ?? (quick ? 1 : 3))
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20) {
    console.error('bench: --repeats must be a whole number from 1 to 20')
    return 2
  }
  const names = only?.split(',').map((n) => n.trim()) ?? []
  const selected = only ? BENCHES.filter((b) => names.includes(b.name)) : BENCHES
  if (selected.length !== (only ? names.length : BENCHES.length)) {
    console.error(`bench: no bench named "${names.filter((n) => !BENCHES.some((b) => b.name === n)).join('", "')}"; known: ${BENCHES.map((b) => b.name).join(', ')}`)
    return 2
  }
  const log = (line: string): void => console.log(line)
  const { built } = await labUpDetailed({ nodes: 3, progress: (l) => log(`lab: ${l}`) })
  const outDir = join(__dirname, '..', '..', 'bench-results')
  mkdirSync(outDir, { recursive: true })
  let failed = 0
  try {
    for (const b of selected) {
      log(`\n== bench ${b.name}: ${b.description}`)
      const started = new Date().toISOString()
      try {
        const rows = await b.run({ log, repeats, quick })
        log('\n' + formatRows(rows))
        // Narrowed runs must not overwrite the full results, nor each other.
        const narrowed = [quick ? 'quick' : '', arg('scenarios') ?? '', arg('settings') ?? ''].filter(Boolean).join('-')
        const slug = narrowed.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')
        const file = `${b.name}${narrowed ? `.partial-${slug}` : ''}.json`
        writeFileSync(join(outDir, file), JSON.stringify({ bench: b.name, description: b.description, started, finished: new Date().toISOString(), repeats, quick, scenarios: arg('scenarios') ?? 'all', settings: arg('settings') ?? 'all', rows }, null, 2) + '\n')
        log(`\nwrote bench-results/${file}`)
      } catch (err) {
        failed++
        log(`bench ${b.name} failed: ${(err as Error).stack ?? (err as Error).message}`)
      }
    }
  } finally {
    unregisterLabUser()
    if (built && otherLabUsers([process.pid]).length === 0) await labDown({ progress: (l) => log(`lab: ${l}`) })
  }
  return failed > 0 ? 1 : 0
}

void main().then((code) => process.exit(code), (err: Error) => {
  console.error(`bench: ${err.message}`)
  process.exit(1)
})
