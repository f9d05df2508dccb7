// Every validation test, group by group, in the order the wizard and the report list them.
// A new group is one module under groups/ exporting its ValidationTestDef[] and one line here.
import type { ValidationTestDef } from '../test-module'
import { inventoryTests } from './inventory'
import { networkTests } from './network'
import { systemTests } from './system'
import { vrrpTests } from './vrrp'
import { windowsTests } from './windows'

export const validationGroups: readonly (readonly ValidationTestDef[])[] = [inventoryTests, networkTests, systemTests, vrrpTests, windowsTests]

export function allTests(): ValidationTestDef[] {
  return validationGroups.flat()
}
