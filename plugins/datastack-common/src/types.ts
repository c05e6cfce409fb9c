/** The answer of the backend's readiness route. */
export interface DatastackStatus {
  status: 'ok';
  /** Names of the configured Argo CD instances. */
  argocdInstances: string[];
  /** Ids of the data-stack components in the registry. */
  components: string[];
}
