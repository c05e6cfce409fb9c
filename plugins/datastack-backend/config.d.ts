export interface Config {
  datastack?: {
    /** Upgrade compatibility: where chart versions come from and how they are read. */
    upgrades?: {
      /** Minutes between two refreshes of every component's chart repository. Default 60. */
      refreshIntervalMinutes?: number;
      /** Milliseconds each call to a chart repository may take. Default 15000. */
      requestTimeoutMs?: number;
      /** An index.yaml (or OCI tag list) larger than this many bytes is refused, not parsed. Default 64 MiB. */
      maxIndexBytes?: number;
      /** A chart archive larger than this many bytes is refused. Default 16 MiB. */
      maxArchiveBytes?: number;
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
