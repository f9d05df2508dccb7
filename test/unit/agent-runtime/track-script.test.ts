import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { TrackScriptConfig } from '../../../agent/config/model'
import { notifyCommands, Notifier } from '../../../agent/track/notify'
import { runScriptOnce, TrackScript } from '../../../agent/track/track-script'
import { waitFor } from '../../support/wait-for'

/** Alive and not a zombie (a killed orphan may linger unreaped for a moment). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

const dir = mkdtempSync(join(tmpdir(), 'havip-track-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cfg(over: Partial<TrackScriptConfig> = {}): TrackScriptConfig {
  return { name: 'chk', argv: ['/bin/true'], intervalMs: 50, timeoutMs: 1000, rise: 2, fall: 3, weight: 0, ...over }
}

describe('runScriptOnce', () => {
  it('exit 0 is success, anything else failure', async () => {
    expect((await runScriptOnce(['/bin/true'], 2000)).ok).toBe(true)
    const r = await runScriptOnce(['/bin/sh', '-c', 'exit 3'], 2000)
    expect(r).toEqual({ ok: false, detail: 'exit 3' })
  })

  it('kills a script that exceeds its timeout, and its children', async () => {
    const pidFile = join(dir, 'child-pid')
    // The script starts a child of its own (its pid in pidFile), then outlives its timeout.
    const r = await runScriptOnce(['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], 200)
    expect(r.ok).toBe(false)
    expect(r.detail).toContain('timed out after 200 ms')
    const child = Number(readFileSync(pidFile, 'utf8'))
    expect(child).toBeGreaterThan(1)
    await waitFor(`the script's child ${child} to be killed with it`, () => !alive(child), 2000, 10)
  })

  it('reports a missing program as a failure with its name', async () => {
    const r = await runScriptOnce(['/nonexistent/havip-check'], 1000)
    expect(r.ok).toBe(false)
    expect(r.detail).toContain('/nonexistent/havip-check')
  })

  it('passes arguments verbatim, never through a shell', async () => {
    const out = join(dir, 'argv-out')
    const hostile = '$(touch /tmp/havip-pwned); `id`; a b'
    await runScriptOnce(['/bin/sh', '-c', 'printf "%s" "$1" > "$2"', 'sh', hostile, out], 2000)
    expect(readFileSync(out, 'utf8')).toBe(hostile)
  })
})

describe('TrackScript rise/fall', () => {
  it('takes the first result at once, then needs fall failures / rise successes in a row', () => {
    const changes: boolean[] = []
    const t = new TrackScript(cfg(), (ok) => changes.push(ok))
    t.record(true)
    expect(t.ok).toBe(true)
    t.record(false); t.record(false)
    expect(t.ok).toBe(true) // fall = 3: two failures are not enough
    t.record(true) // streak broken
    t.record(false); t.record(false); t.record(false)
    expect(t.ok).toBe(false)
    t.record(true)
    expect(t.ok).toBe(false) // rise = 2
    t.record(true)
    expect(t.ok).toBe(true)
    expect(changes).toEqual([true, false, true])
  })

  it('runs the real script periodically and reports changes', async () => {
    const flag = join(dir, 'healthy')
    const changes: boolean[] = []
    const t = new TrackScript(cfg({ argv: ['/usr/bin/test', '-e', flag], rise: 1, fall: 1, intervalMs: 30 }), (ok) => changes.push(ok))
    try {
      await t.start()
      expect(t.ok).toBe(false)
      const { writeFileSync } = await import('node:fs')
      writeFileSync(flag, '')
      await waitFor('the check to turn OK', () => t.ok === true, 3000, 10)
      expect(changes).toEqual([false, true])
    } finally {
      t.stop()
    }
  })
})

describe('notify hooks', () => {
  it('builds keepalived-style argv: specific hook, then generic with INSTANCE NAME STATE PRIORITY', () => {
    expect(notifyCommands({ master: ['/etc/havip/up.sh', 'x'], generic: ['/etc/havip/notify.sh'] }, 'VI_1', 'MASTER', 150)).toEqual([
      ['/etc/havip/up.sh', 'x'],
      ['/etc/havip/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '150']
    ])
    expect(notifyCommands({ master: ['/m'] }, 'VI_1', 'BACKUP', 100)).toEqual([])
  })

  it('runs hooks in order per instance', async () => {
    const out = join(dir, 'notify-log')
    const n = new Notifier({ generic: ['/bin/sh', '-c', 'echo "$*" >> "$0"', out] }, 'VI_1', () => {})
    n.notify('MASTER', 150)
    n.notify('BACKUP', 100)
    n.notify('STOP', 100)
    await n.drain()
    expect(readFileSync(out, 'utf8')).toBe('INSTANCE VI_1 MASTER 150\nINSTANCE VI_1 BACKUP 100\nINSTANCE VI_1 STOP 100\n')
  })
})
