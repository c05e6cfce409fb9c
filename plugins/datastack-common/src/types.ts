/**
 * The answer of the backend's readiness route.
 *
 * @public
 */
export interface DatastackStatus {
  status: 'ok';
  /** Names of the configured Argo CD instances. */
  argocdInstances: string[];
  /** Ids of the data-stack components in the registry. */
  components: string[];
}

/**
 * A cluster an Argo CD instance deploys to, as Argo CD reports it.
 *
 * @public
 */
export interface ArgoCdClusterSummary {
  name: string;
  server: string;
  serverVersion?: string;
  /** Argo CD's connection state: Successful, Failed or Unknown. */
  connectionState?: string;
}

/**
 * A configured Argo CD instance and its clusters, or why they could not be read.
 *
 * @public
 */
export interface ArgoCdInstanceSummary {
  name: string;
  uiUrl: string;
  status: 'ok' | 'unreachable' | 'error';
  /** Why the instance could not be read; never contains credentials. */
  error?: string;
  clusters: ArgoCdClusterSummary[];
  fetchedAt: string;
}
