export interface Config {
  datastack?: {
    catalog?: {
      /**
       * Owner entity reference of the platform offering's entities.
       * Default group:default/platform-team.
       */
      owner?: string;
    };
  };
}
