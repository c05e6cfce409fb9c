/**
 * Datastack's permission policy for the permission backend: every signed-in
 * user reads; owners of an entity and the platform-admin groups write; the
 * platform layer is for the admin groups.
 *
 * @packageDocumentation
 */
export { permissionModuleDatastackPolicy as default } from './module';
export { permissionModuleDatastackPolicy } from './module';
export {
  DatastackPermissionPolicy,
  type DatastackPermissionPolicyOptions,
} from './DatastackPermissionPolicy';
