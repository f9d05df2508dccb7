// Configure Role's check that a new VRID is free: the validation's own router id scan, run on
// the cluster's nodes alone (one test, ~3 advert intervals plus the bundle upload: a few
// seconds), so a role change is judged by the same rules and messages as Validate. The
// cluster's own agents are heard on their VRIDs too; the scan counts them as the cluster's
// (a Warning), so only a foreign sender makes the VRID "in use".
import type { ValidationReport, ValidationRequest } from '../../../api/validation'
import type { VridScan } from './deps'
import { VRID_SCAN_TEST } from './validation-gate'

export interface ScanRunner {
  start(request: ValidationRequest): { runId: string }
  whenFinished(runId: string): Promise<ValidationReport>
}

export function validationVridScan(validation: ScanRunner): VridScan {
  return {
    async scan(connectionIds, role) {
      const { runId } = validation.start({
        nodes: connectionIds.map((connectionId) => ({ connectionId })),
        vip: role.vip,
        ...(role.vrid !== undefined ? { vrid: role.vrid } : {}),
        advertIntervalMs: role.advertIntervalMs,
        mode: role.mode,
        tests: [VRID_SCAN_TEST]
      })
      const report = await validation.whenFinished(runId)
      const results = report.results.filter((r) => r.testId === VRID_SCAN_TEST)
      const failed = results.filter((r) => r.status === 'Failed')
      if (failed.length > 0 && results.every((r) => r.status === 'Failed') && !failed.some((r) => /already in use/.test(r.details))) {
        // The scan itself could not run (no sudo, node gone): that is not "free".
        throw new Error(`the router id scan could not run: ${failed[0]!.details}`)
      }
      const inUse = failed.find((r) => /already in use/.test(r.details))
      const who = inUse ? (/in use on this segment by (.*?)\. One router id/s.exec(inUse.details)?.[1] ?? inUse.details) : undefined
      return { ...(who ? { inUseBy: who } : {}), ...(report.proposedVrid !== undefined ? { proposed: report.proposedVrid } : {}) }
    }
  }
}
