/**
 * Where an environment stands in a promotion by its name: dev first, prod
 * last. Names it does not know sit between test and staging.
 */
const ENVIRONMENT_RANK: Record<string, number> = {
  dev: 0,
  development: 0,
  test: 1,
  qa: 1,
  uat: 2,
  stage: 2,
  staging: 2,
  preprod: 2,
  prod: 3,
  production: 3,
};

/**
 * The promotion rank of an environment name (0 dev … 3 prod; 1.5 unknown).
 *
 * @public
 */
export function environmentRank(environment: string | undefined): number {
  const key = environment?.toLocaleLowerCase('en-US');
  return key !== undefined && key in ENVIRONMENT_RANK
    ? ENVIRONMENT_RANK[key]
    : 1.5;
}

/**
 * Environments in promotion order (dev before staging before prod), ties by name.
 *
 * @public
 */
export function compareEnvironments(a: string, b: string): number {
  return environmentRank(a) - environmentRank(b) || a.localeCompare(b);
}
