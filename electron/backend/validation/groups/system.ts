import type { ValidationTestDef } from '../test-module'

export const systemTests: ValidationTestDef[] = []
