// Where reports live: <dataDir>/reports/validation-<runId>.html and .json (the run id starts
// with its UTC timestamp, so the names sort by time). Written atomically, owner-only: a report
// names hosts, users and the node's configuration.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ApiException } from '../../api/errors'
import { ValidationReportSchema, ValidationRunIdSchema, type ValidationReport } from '../../api/validation'
import { ensurePrivateDir, writeFileAtomic } from '../store/atomic-file'
import { renderReportHtml } from './report-html'

export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports')
}

function fileOf(dataDir: string, runId: string, ext: 'html' | 'json'): string {
  // The run id is checked again here: it becomes part of a path.
  const id = ValidationRunIdSchema.parse(runId)
  return path.join(reportsDir(dataDir), `validation-${id}.${ext}`)
}

/** Saves both files and returns their paths (also stored in the JSON and shown in the HTML). */
export function saveReport(dataDir: string, report: ValidationReport): { html: string; json: string } {
  ensurePrivateDir(reportsDir(dataDir))
  const files = { html: fileOf(dataDir, report.runId, 'html'), json: fileOf(dataDir, report.runId, 'json') }
  const withFiles: ValidationReport = { ...report, files }
  writeFileAtomic(files.json, JSON.stringify(withFiles, null, 2) + '\n')
  writeFileAtomic(files.html, renderReportHtml(withFiles))
  return files
}

export function loadSavedReport(dataDir: string, runId: string): ValidationReport {
  const text = readOrNotFound(dataDir, runId, 'json')
  const parsed = ValidationReportSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    throw new ApiException({
      kind: 'internal',
      message: `The saved report ${fileOf(dataDir, runId, 'json')} is damaged: ${parsed.error.issues[0]?.message ?? 'unreadable'}.`,
      hint: 'Validate again to get a new report.'
    })
  }
  return parsed.data
}

export function readSavedHtml(dataDir: string, runId: string): { html: string; path: string } {
  return { html: readOrNotFound(dataDir, runId, 'html'), path: fileOf(dataDir, runId, 'html') }
}

function readOrNotFound(dataDir: string, runId: string, ext: 'html' | 'json'): string {
  const file = fileOf(dataDir, runId, ext)
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    throw new ApiException({
      kind: 'not-found',
      message: `There is no validation report for run ${runId} (looked for ${file}).`,
      hint: 'Check the run id; reports are kept under the data directory\'s reports/ folder.'
    })
  }
}
