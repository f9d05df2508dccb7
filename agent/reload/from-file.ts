/**
 * Reload from the config file the agent was started with (SIGHUP, `ctl reload`): read and check
 * it again, apply the command line's overrides again (--socket, --log-file), and hand it to
 * Agent.reload. A file with errors changes nothing: the old config keeps running, the issues are
 * logged as an error and thrown, so `ctl reload` answers ok:false naming them.
 */
import { loadConfig } from '../config/load'
import type { AgentConfig, ConfigIssue, ConfigTarget } from '../config/model'
import type { Logger } from '../log'
import type { ReloadResult } from './plan'

export interface ReloadSource {
  configPath?: string
  keepalivedConfPath?: string
  /** The node's OS the file is read for (load.ts). */
  target?: ConfigTarget
  /** Values the command line gave, which win over the file as they did at start-up. */
  overrides: Partial<Pick<AgentConfig, 'controlSocket' | 'logFile'>>
}

function describeIssue(i: ConfigIssue): string {
  return `${i.line !== undefined ? `line ${i.line}: ` : ''}${i.message}`
}

export function makeReloader(src: ReloadSource, agent: { reload(c: AgentConfig): Promise<ReloadResult> }, logger: Logger): () => Promise<ReloadResult> {
  const file = src.configPath ?? src.keepalivedConfPath ?? '(no config file)'
  return async () => {
    const res = loadConfig(src)
    const errors = res.issues.filter((i) => i.severity === 'error')
    if (!res.config || errors.length > 0) {
      const msg = `config not reloaded: ${file} has ${errors.length} error(s): ${errors.map(describeIssue).join('; ')}; the running config stays in force (fix the file and reload again)`
      logger.log('error', msg)
      throw new Error(msg)
    }
    for (const i of res.issues) logger.log('warn', `config: ${describeIssue(i)}`, { path: i.path })
    const config: AgentConfig = { ...res.config }
    if (src.overrides.controlSocket !== undefined) config.controlSocket = src.overrides.controlSocket
    if (src.overrides.logFile !== undefined) config.logFile = src.overrides.logFile
    try {
      return await agent.reload(config)
    } catch (err) {
      const msg = `config not reloaded from ${file}: ${(err as Error).message}`
      logger.log('error', msg)
      throw new Error(msg)
    }
  }
}
