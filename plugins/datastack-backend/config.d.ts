export interface Config {
  datastack?: {
    /**
     * How Datastack calls Kubernetes clusters. The clusters themselves come
     * from Backstage's `kubernetes.clusterLocatorMethods`, read as the
     * Kubernetes plugin reads them: `config` (name, url, authProvider,
     * serviceAccountToken, caData, caFile read once at start-up, skipTLSVerify),
     * `localKubectlProxy` (http://localhost:8001, no credentials) and `catalog`
     * (Resource entities of type kubernetes-cluster with the
     * `kubernetes.io/api-server`, `kubernetes.io/api-server-certificate-authority`
     * and `kubernetes.io/auth-provider` annotations; `dangerouslyAllowClusterUrls`
     * and `dangerouslyAllowSkipTLSVerify` as there). Clusters are read with a
     * serviceAccount token or through localKubectlProxy; other auth providers
     * are listed with "unsupported auth provider" in their row. Node and
     * workload answers are cached for `datastack.health.cacheTtlMs`.
     */
    kubernetes?: {
      /**
       * Milliseconds one call to a cluster may take, its answer's body
       * included. Default: `datastack.argocd.requestTimeoutMs` (10000).
       */
      requestTimeoutMs?: number;
      /** A cluster answer larger than this many bytes is that cluster's error, not parsed. Default 32 MiB. */
      maxResponseBytes?: number;
    };
    /** How the routes ask the permission framework. */
    permissions?: {
      /**
       * Milliseconds a read decision (health, fleet, upgrades, clusters) is
       * reused for the same caller, permission and entity; writes are
       * always asked anew, and the questions of one event-loop turn go to
       * the policy as one batch. Default 2000; 0 asks every time.
       */
      decisionTtlMs?: number;
    };
    /**
     * The live inventory: every Application of every Argo CD instance, kept
     * current by Argo CD's watch stream, one replica holding each instance
     * through a lease in the plugin's database; entity health, the fleet and
     * upgrades answer from it without calling Argo CD per page view.
     */
    inventory?: {
      /** Default true; false asks Argo CD on every answer (cached for `datastack.health.cacheTtlMs`). */
      enabled?: boolean;
      /** Milliseconds a lease lasts unless renewed (every third of it). Default 15000. */
      leaseTtlMs?: number;
      /** Milliseconds between two reads of the changes other replicas wrote. Default 500. */
      pollIntervalMs?: number;
      /** Milliseconds between two checks that the stream is not stalled. Default 10000. */
      probeIntervalMs?: number;
      /** The longest wait between two reconnects, in milliseconds. Default 30000. */
      reconnectMaxMs?: number;
      /** Milliseconds events are coalesced before they are written. Default 50. */
      flushMs?: number;
      /** Bytes of one watch event accepted. Default 8 MiB. */
      maxEventBytes?: number;
      /** Milliseconds of silence (no event, no keep-alive) after which a begun stream is replaced. Default 25000. */
      streamIdleTimeoutMs?: number;
      /**
       * Milliseconds a deleted Application's row stays for every replica to
       * read before the holder prunes it; a replica further behind reads the
       * instance again. Default 600000.
       */
      tombstoneTtlMs?: number;
    };
    argocd?: {
      /**
       * Bytes of one Argo CD answer (an Application list is the largest); a
       * larger one is refused while it streams and reported as a malformed
       * answer naming this key. Default 64 MiB.
       */
      maxResponseBytes?: number;
    };
    /** Upgrade compatibility: where chart versions come from and how they are read. */
    upgrades?: {
      /** Minutes between two refreshes of every component's chart repository. Default 60. */
      refreshIntervalMinutes?: number;
      /** Milliseconds each call to a chart repository may take. Default 15000. */
      requestTimeoutMs?: number;
      /** An index.yaml (or OCI tag list) larger than this many bytes is refused, not parsed. Default 64 MiB. */
      maxIndexBytes?: number;
      /**
       * A chart archive larger than this many bytes is refused while it
       * downloads. Default 16 MiB. An archive may inflate to at most 16 times
       * this; past that its values diff is unavailable (a tar bomb).
       */
      maxArchiveBytes?: number;
      /**
       * Bytes of `values.yaml` or `values.schema.json` inflated out of a chart
       * archive, and of a values file read from a GitOps repository; a larger
       * one makes the values diff unavailable, naming this key. Default 8 MiB.
       */
      maxValuesBytes?: number;
      /**
       * Alias expansions allowed in one YAML document (values files, chart
       * indexes); a billion-laughs file fails at this count. Default 100.
       */
      maxYamlAliases?: number;
      /**
       * Requests to chart repositories and OCI registries in flight at once,
       * over every component's refresh. Default 4.
       */
      concurrency?: number;
      /** How many of an OCI chart's newest tags have their metadata read. Default 20. */
      ociMaxVersions?: number;
      /** How many newer versions are checked and listed per component. Default 20. */
      maxCandidates?: number;
      /** Milliseconds a values diff (with the user's overrides) is reused. Default 60000. */
      cacheTtlMs?: number;
      /** Mirrors and credentials of chart repositories, by the URL the registry names. */
      chartRepositories?: Array<{
        /** The repository URL exactly as in the registry (`https://…` or `oci://…`). */
        url: string;
        /** Where to fetch from instead: a mirror or a proxy cache of the same kind. */
        mirror?: string;
        /** Talk to an oci:// repository over plain http, as `helm --plain-http`. */
        plainHttp?: boolean;
        /**
         * A bearer token for the repository.
         * @visibility secret
         */
        token?: string;
        /** A user name for basic authentication (or an OCI registry's token endpoint). */
        username?: string;
        /**
         * The password of `username`.
         * @visibility secret
         */
        password?: string;
      }>;
    };
  };
}
