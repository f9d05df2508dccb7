import type { ValidationTestDef } from '../test-module'

export const networkTests: ValidationTestDef[] = []
