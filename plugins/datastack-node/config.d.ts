export interface Config {
  /** Datastack: GitOps for an open-source data stack. */
  datastack?: {
    /**
     * How many backend processes run against the shared database (the
     * Helm chart's `replicas`). Above 1 the backend refuses to start on
     * SQLite or with local GitOps repositories on a per-pod disk. Default 1.
     */
    replicas?: number;
    /**
     * Overrides of the component registry, by component id
     * (`trino`, `kafka`, …): any field but the id, validated in full at
     * start-up (a bad one fails start-up naming the key). The fields most
     * overridden are listed here.
     */
    components?: {
      [componentId: string]: {
        title?: string;
        description?: string;
        chart?: {
          /** `https://…` (a Helm repository) or `oci://host/path`. */
          repository?: string;
          name?: string;
          /** The default chart version of new pipelines (SemVer 2). */
          version?: string;
          appVersion?: string;
        };
        /** A SemVer range of the Kubernetes versions the chart supports. */
        kubeVersion?: string;
        namespace?: string;
        /** Helm values per environment size, merged deeply over the shipped ones. */
        values?: {
          small?: { [key: string]: unknown };
          medium?: { [key: string]: unknown };
          large?: { [key: string]: unknown };
        };
        docsUrl?: string;
        sourceUrl?: string;
        tags?: string[];
      };
    };
    tenancy?: {
      /**
       * AppProject of a team, with `{team}` for the owning group's name.
       * Default `team-{team}`.
       */
      project?: string;
      /**
       * Namespace of a team's Argo CD Applications and app of apps (Argo CD's
       * "Applications in any namespace", which must list it in
       * `application.namespaces`), with `{team}`. Default `argocd-apps-{team}`.
       */
      applicationNamespace?: string;
      /**
       * False for Argo CD installations without "Applications in any
       * namespace": Applications then live in `argocdNamespace` and only the
       * team's AppProject confines them. Default true.
       */
      appsInAnyNamespace?: boolean;
      /** Argo CD's own namespace. Default `argocd`. */
      argocdNamespace?: string;
      /**
       * Whether Datastack may create a team's AppProject and add a
       * pipeline's repository and namespaces to it. Default false: the
       * platform team creates the projects, and apply checks them first.
       */
      createProjects?: boolean;
      /**
       * Groups whose members administer the platform: they may act on every
       * pipeline and run the "Platform operators" template.
       */
      adminGroups?: string[];
    };
    health?: {
      /**
       * Milliseconds an Argo CD instance's answer to a health lookup is
       * reused (through the cache service, so replicas share it). Default 15000.
       */
      cacheTtlMs?: number;
      /**
       * Milliseconds after an Argo CD operation starts or ends during which
       * the data-stack rules (operator unavailable, Kafka not Ready, Flink
       * job failing) are pending, not problems: a normal sync shows as
       * progressing. Argo CD's own Degraded and failed operations are never
       * delayed. Default 600000.
       */
      progressDeadlineMs?: number;
      /**
       * Milliseconds the catalog entity a health, upgrade or sync route
       * names is reused, read with the plugin's credentials and shared by
       * every caller (through the cache service, so replicas share it); each
       * request still asks whether its caller may read the entity. 0 reads
       * the catalog every time. Default 5000.
       */
      entityCacheTtlMs?: number;
      /**
       * Milliseconds between two reads of every catalog entity with a
       * Datastack or Argo CD annotation into this replica's copy, from
       * which routes answer without reading the catalog (other entities
       * are read one by one, as above); a copy older than three intervals
       * is not used. Each request still asks whether its caller may read
       * the entity. 0 turns the copy off. Default 30000 (a poll of 2,000 entities costs the catalog about 150 ms of CPU).
       */
      entitySnapshotIntervalMs?: number;
    };
    gitops?: {
      /**
       * Directory of the bare repositories that datastack:gitops:publish
       * creates when no git host is used (the embedded default), relative to
       * the backend's working directory. Default .datastack/gitops.
       */
      localRoot?: string;
      /**
       * False turns the local repositories off: publish, bump and propose
       * then only use git hosts. Default true.
       */
      localRepositories?: boolean;
      /**
       * True when localRoot is a volume every replica mounts read-write
       * (ReadWriteMany), so `datastack.replicas` above 1 may use it.
       * Default false.
       */
      localRootShared?: boolean;
      /**
       * Milliseconds each call to a git host's API (opening a pull or merge
       * request for a proposed upgrade) may take. Default 30000.
       */
      requestTimeoutMs?: number;
      /**
       * Bytes of one answer of a git host's API (GitHub, GitLab, Gitea); a
       * larger one is refused while it streams. Default 4 MiB.
       */
      maxResponseBytes?: number;
    };
    argocd?: {
      /**
       * Milliseconds each call to an Argo CD instance may take before it is
       * abandoned and its row reported unreachable. Default 10000.
       */
      requestTimeoutMs?: number;
      /** The Argo CD instances that Datastack reads from and applies to. */
      instances?: Array<{
        /** A DNS-1123 name that environments and `argocd/instance-name` refer to. */
        name: string;
        /** Base URL of the Argo CD API server, for example https://argocd.example.com. */
        url: string;
        /** Base URL of the Argo CD UI when it differs from `url`. */
        uiUrl?: string;
        /**
         * A bearer token (an Argo CD account or project token).
         * @visibility secret
         */
        token?: string;
        /** Account name for POST /api/v1/session when no token is set. */
        username?: string;
        /**
         * Password for `username`.
         * @visibility secret
         */
        password?: string;
      }>;
    };
  };
}
