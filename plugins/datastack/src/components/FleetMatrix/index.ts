export { FleetMatrix, toMatrix } from './FleetMatrix';
export type { MatrixRow } from './FleetMatrix';
