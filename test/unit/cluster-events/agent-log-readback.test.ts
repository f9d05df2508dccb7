// The read-back script as the node runs it (sh, tail, awk; here on this machine instead of over
// SSH as root), on a log written by the agent's own logger: only lines since the time asked,
// at most maxBytes of the newest, a cut first line skipped; a missing log is no events.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../agent/log'
import { READ_LOG } from '../../../electron/backend/cluster-events/agent-log-readback'
import { agentLogEvents } from '../../../electron/backend/cluster-events/agent-log-events'
import { rootArgv } from '../../../electron/backend/deploy/remote-run'
import { waitFor } from '../../support/wait-for'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'havip-events-readback-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function readBack(file: string, since: string, scan: number, max: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...args] = rootArgv(READ_LOG, [file, since, String(scan), String(max)])
  try {
    const r = await run(cmd!, args)
    return { code: 0, ...r }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('agent log read back (the node-side script)', () => {
  it('sends the lines since a time, bounded, and they parse as the agent wrote them', async () => {
    const file = join(dir, 'agent.log')
    const logger = createLogger({ file, stderr: false })
    logger.log('info', 'havip-agent 0.1.0 started with 1 instance(s)', { transport: 'unicast' })
    logger.log('info', 'INIT -> BACKUP: startup', { instance: 'web', from: 'INIT', to: 'BACKUP' })
    // The boundary: a time strictly after the lines above.
    const first = Date.now()
    await waitFor('the clock to move on', () => Date.now() > first + 2, 1000, 1)
    const since = new Date().toISOString()
    await waitFor('the clock to move on', () => Date.now() > Date.parse(since) + 2, 1000, 1)
    logger.log('info', 'BACKUP -> MASTER: master down timer expired (no advert for 3.6 s)', { instance: 'web', from: 'BACKUP', to: 'MASTER' })
    logger.log('error', 'cannot add 198.51.100.9/24 to eth1: RTNETLINK answers: Operation not permitted', { instance: 'web' })
    logger.log('info', 'notify MASTER', { instance: 'web' })
    logger.log('info', 'havip-agent stopped')
    await logger.close()

    const all = await readBack(file, '', 1 << 20, 1 << 20)
    expect(all.code).toBe(0)
    expect(agentLogEvents('n1', all.stdout).map((e) => e.message)).toEqual([
      'havip-agent started with 1 instance(s)',
      'INIT -> BACKUP: startup',
      'BACKUP -> MASTER: master down timer expired (no advert for 3.6 s)',
      'cannot add 198.51.100.9/24 to eth1: RTNETLINK answers: Operation not permitted',
      'havip-agent stopped'
    ])

    const recent = agentLogEvents('n1', (await readBack(file, since, 1 << 20, 1 << 20)).stdout)
    expect(recent.map((e) => e.message)).toEqual([
      'BACKUP -> MASTER: master down timer expired (no advert for 3.6 s)',
      'cannot add 198.51.100.9/24 to eth1: RTNETLINK answers: Operation not permitted',
      'havip-agent stopped'
    ])
    expect(recent[0]).toMatchObject({ kind: 'transition', role: 'web', from: 'BACKUP', to: 'MASTER', level: 'info', source: 'agent-log', node: 'n1' })
    expect(recent[1]).toMatchObject({ kind: 'agent', level: 'error', role: 'web' })

    // Bounded: 80 bytes hold the last line whole and a cut piece of the one before, which is skipped.
    const cut = await readBack(file, '', 1 << 20, 80)
    expect(cut.stdout.length).toBeLessThanOrEqual(80)
    expect(agentLogEvents('n1', cut.stdout).map((e) => e.message)).toEqual(['havip-agent stopped'])
  })

  it('a node without an agent log gives exit 3 (no events), not an error', async () => {
    const r = await readBack(join(dir, 'missing.log'), '', 1000, 1000)
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/no agent log at/)
  })

  it('a since value with shell characters is data, not code', async () => {
    const file = join(dir, 'quoted.log')
    const logger = createLogger({ file, stderr: false })
    logger.log('warn', 'track script chk is now FAILING (exit 1)')
    await logger.close()
    const r = await readBack(file, '"; touch pwned; "$(id)', 1000, 1000)
    expect(r.code).toBe(0)
    expect(agentLogEvents('n1', r.stdout)).toHaveLength(1) // every time stamp sorts after that text
  })
})
