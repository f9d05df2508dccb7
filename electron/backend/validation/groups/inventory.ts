import type { ValidationTestDef } from '../test-module'

export const inventoryTests: ValidationTestDef[] = []
