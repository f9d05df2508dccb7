/**
 * `havip-agent supervise --config FILE [--log-file FILE] [--pid-file FILE]`: the service where
 * there is no systemd. Runs `havip-agent run` as a child and keeps it running (supervisor.ts),
 * SIGHUP reloads the agent's config, SIGTERM/SIGINT stop the agent and then the supervisor
 * (pid file removed, exit 0). Started detached by the deploy service:
 *   setsid -f node havip-agent.cjs supervise --config /etc/havip/agent.json --log-file F </dev/null >>LOG 2>&1
 */
import { createLogger } from '../log'
import { realScheduler } from '../time/scheduler'
import { spawnAgent } from './child-process'
import { claimPidFile, DEFAULT_PID_FILE, releasePidFile } from './pid-file'
import { Supervisor } from './supervisor'

export interface SuperviseArgs {
  configPath?: string
  keepalivedConfPath?: string
  logFile?: string
  pidFile?: string
}

type Out = { out: (s: string) => void; err: (s: string) => void }

export async function runSupervisor(a: SuperviseArgs, io: Out): Promise<number> {
  const pidFile = a.pidFile ?? DEFAULT_PID_FILE
  const logger = createLogger({ file: a.logFile })
  let claimed: { replacedStale?: number }
  try {
    claimed = claimPidFile(pidFile)
  } catch (err) {
    io.err(`havip-agent supervise: ${(err as Error).message}`)
    await logger.close()
    return 1
  }
  if (claimed.replacedStale !== undefined) logger.log('warn', `supervisor: replaced a stale pid file ${pidFile} (pid ${claimed.replacedStale} is not a running supervisor)`)
  const runArgs = a.configPath !== undefined ? ['--config', a.configPath] : ['--keepalived-conf', a.keepalivedConfPath!]
  if (a.logFile) runArgs.push('--log-file', a.logFile)
  const sup = new Supervisor({ launch: () => spawnAgent(runArgs), scheduler: realScheduler, logger })
  logger.log('info', `supervisor: pid ${process.pid} supervising "havip-agent run ${runArgs.join(' ')}" (pid file ${pidFile})`)

  return await new Promise<number>((resolve) => {
    let exiting = false
    const stop = (why: string): void => {
      if (exiting) return
      exiting = true
      logger.log('info', `supervisor: stopping on ${why}`)
      void sup.stop().then(async () => {
        releasePidFile(pidFile)
        logger.log('info', 'supervisor: stopped')
        await logger.close()
        resolve(0)
      })
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGHUP', () => sup.reload())
    sup.start()
  })
}
