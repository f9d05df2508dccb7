// `lab down` returns only once every process the lab started is gone (issue 9 item 18): tried
// as the issue found it, lab:up then lab:down twice in a row through the CLI, with SSH sessions
// open on every node. After each down, /proc holds none of the processes that lived in the
// lab's namespaces just before: not running, and not a zombie waiting for pid 1 to reap it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { waitFor } from '../support/wait-for'
import { killSpawned, knownHostsText, labUp, waitUntilSoleLabUser, readLabState, type LabState } from './lab'
import { listLabNetns } from './network'
import { labNamespaces, processesIn, stillListed } from './processes'
import { run } from './run'
import { sshdConnections } from './sshd-sessions'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const cli = (...args: string[]): string[] => [process.execPath, `${repo}node_modules/tsx/dist/cli.mjs`, `${repo}test/lab/cli.ts`, ...args]

afterAll(async () => {
  // Later test files need the lab: leave it up, also when a check above failed.
  await labUp({ nodes: 3 })
})

/** `ssh root@node sleep 600` per node (host keys pinned): each login is served by sshd processes of its own on the node. */
function openSessions(state: LabState): ChildProcess[] {
  const knownHosts = join(mkdtempSync(join(tmpdir(), 'havip-lab-down-')), 'known_hosts')
  writeFileSync(knownHosts, knownHostsText(state))
  return state.nodes.map((n) =>
    spawn('ssh', [
      '-i', state.rootKeyPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `root@${n.address}`, 'sleep', '600'
    ], { stdio: 'ignore', detached: true })
  )
}

describe('lab down', () => {
  it('lab:up then lab:down, twice in a row: when down returns, no process of the lab is left in /proc', async (ctx) => {
    // Other test runs on this machine may be using the lab right now: wait (bounded) for them.
    const others = await waitUntilSoleLabUser()
    if (others.length > 0) {
      ctx.skip(`lab is in use by pid(s) ${others.join(', ')}; not taking it down under them`)
      return
    }
    for (const round of [1, 2]) {
      // Through the CLI, as people run it: the nodes' sshds outlive the `up` process.
      const up = await run(cli('up', '--nodes', '3'), { timeoutMs: 240_000 })
      expect(up.code, `${round}: ${up.stdout}${up.stderr}`).toBe(0)
      const state = readLabState() as LabState
      const clients = openSessions(state)
      try {
        for (const n of state.nodes) {
          await waitFor(`an SSH session on ${n.name}`, async () => (await sshdConnections(n)).some((c) => c.peer.startsWith(`${state.hostAddress}:`)), 15_000, 100)
        }
        const before = processesIn(labNamespaces(await listLabNetns(), state.nodes.map((n) => n.holderPid)))
        // Per node at least its sshd listener and the session's own sshd process(es).
        expect(before.length, JSON.stringify(before)).toBeGreaterThanOrEqual(2 * state.nodes.length)
        expect(before.map((p) => p.pid)).toEqual(expect.arrayContaining(state.nodes.map((n) => n.holderPid)))

        const down = await run(cli('down'), { timeoutMs: 120_000 })
        const left = before.filter(stillListed)
        expect(left, `round ${round}: still in /proc after lab:down returned`).toEqual([])
        expect(down.code, `${round}: ${down.stdout}${down.stderr}`).toBe(0)
        expect(down.stdout).toContain('nothing left behind')
        expect(await listLabNetns()).toEqual([])
      } finally {
        for (const c of clients) await killSpawned(c, 'SIGTERM', 1000)
      }
    }
  })
})
