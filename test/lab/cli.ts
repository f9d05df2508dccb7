// `npm run lab:up -- --nodes 3`, `npm run lab:down`, `tsx test/lab/cli.ts status`.
import { labDown, labLeftovers, labStatus, labSummary, labUpDetailed, otherLabUsers } from './lab'

const USAGE = 'usage: tsx test/lab/cli.ts up [--nodes N] | down | status'

function parseNodes(args: string[]): number {
  const i = args.findIndex((a) => a === '--nodes' || a.startsWith('--nodes='))
  if (i < 0) return 3
  const arg = args[i] as string
  const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1]
  const n = Number(raw)
  if (!raw || !Number.isInteger(n)) throw new Error(`lab: --nodes needs a whole number, got ${raw ?? 'nothing'}. ${USAGE}`)
  return n
}

const progress = (line: string): void => console.log(`lab: ${line}`)

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'up': {
      const started = Date.now()
      const { state, built } = await labUpDetailed({ nodes: parseNodes(rest), progress })
      console.log(`lab: ${built ? 'built' : 'already up'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      console.log(labSummary(state))
      return 0
    }
    case 'down': {
      const users = otherLabUsers()
      if (users.length > 0) console.log(`lab: warning: pid(s) ${users.join(', ')} are using the lab; their tests will fail`)
      await labDown({ progress })
      const left = await labLeftovers()
      if (left.length > 0) {
        console.error(`lab: down finished but these remain:\n  ${left.join('\n  ')}`)
        return 1
      }
      console.log('lab: down; nothing left behind')
      return 0
    }
    case 'status': {
      const { state, problem } = await labStatus()
      if (state) console.log(labSummary(state))
      if (problem) {
        console.log(`lab: not healthy: ${problem}`)
        const left = await labLeftovers()
        if (!state && left.length > 0) console.log(`lab: leftovers (npm run lab:down removes them):\n  ${left.join('\n  ')}`)
        return 1
      }
      const users = otherLabUsers()
      console.log(`lab: healthy${users.length > 0 ? `; in use by pid(s) ${users.join(', ')}` : ''}`)
      return 0
    }
    default:
      console.error(USAGE)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  }
)
