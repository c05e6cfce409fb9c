export interface Config {
  datastack?: {
    tenancy?: {
      /**
       * Group entity refs (`group:default/platform-team`) whose members the
       * Datastack permission policy allows everything: acting on every
       * team's entities, `datastack.platform.manage`, and the "Platform
       * operators" template and its `datastack:platform:*` actions. Read at
       * start-up; an entry that is not a group reference fails it, naming
       * the entry. Without any, nobody administers the platform.
       */
      adminGroups?: string[];
    };
  };
}
