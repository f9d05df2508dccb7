// One lab per machine, shared by several test runs: building and tearing down happen under a lock
// (an atomic mkdir holding the owner's pid) so two runs never build over each other.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { isAlive, sleep } from './run'
import { LOCK_DIR } from './types'

export async function withLabLock<T>(what: string, fn: () => Promise<T>, waitMs = 300_000): Promise<T> {
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      mkdirSync(LOCK_DIR, { mode: 0o700 })
      writeFileSync(`${LOCK_DIR}/owner`, `${process.pid}\n`)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      let owner = NaN
      try {
        owner = Number(readFileSync(`${LOCK_DIR}/owner`, 'utf8').trim())
      } catch {
        /* owner file not written yet: the owner is between mkdir and write */
      }
      // A lock whose owner died (crash, Ctrl-C) would block everyone forever: take it over.
      const ownerless = !Number.isInteger(owner) && ageMs(LOCK_DIR) > 10_000
      if (ownerless || (Number.isInteger(owner) && owner > 0 && !isAlive(owner))) {
        rmSync(LOCK_DIR, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) {
        throw new Error(`lab: ${what}: another lab operation (pid ${owner}) has held ${LOCK_DIR} for over ${waitMs / 1000} s. If no lab command is running, remove that directory and retry.`)
      }
      await sleep(200)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return 0
  }
}
