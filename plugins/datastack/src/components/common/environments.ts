/**
 * Whether an environment is production by name (`prod`, `production`): a
 * Sync or a proposed upgrade there asks for confirmation first.
 */
export function isProductionEnvironment(environment: string): boolean {
  return /^(prod|production)$/i.test(environment);
}
