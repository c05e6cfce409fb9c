import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
} from '@backstage/plugin-catalog-common/alpha';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';
import {
  datastackApplicationSyncPermission,
  datastackClusterReadPermission,
  datastackFleetReadPermission,
  datastackHealthReadPermission,
  datastackPlatformManagePermission,
  datastackUpgradeProposePermission,
  datastackUpgradeReadPermission,
} from '@datastack/plugin-datastack-common';
import { mkdtemp, rm, writeFile } from 'fs/promises';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { DatastackPermissionPolicy } from './DatastackPermissionPolicy';
import { permissionModuleDatastackPolicy } from './module';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const ADA = 'user:default/ada';
const ALICE_COMPONENT = 'component:default/orders-trino';
const BOB_COMPONENT = 'component:default/reports-superset';

const group = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name },
  spec: { type: 'team', children: [] },
});
const user = (name: string, team: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name },
  spec: { memberOf: [team] },
});
const component = (name: string, owner: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name },
  spec: { type: 'service', lifecycle: 'production', owner },
});
const PLATFORM_ONLY = {
  'backstage:permissions': { tags: ['datastack-platform'] },
};
const platformTemplate = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'platform-operators', tags: ['datastack-platform'] },
  spec: {
    type: 'platform',
    owner: 'group:default/platform-team',
    parameters: [
      {
        title: 'Operators',
        ...PLATFORM_ONLY,
        properties: { cluster: { type: 'string' } },
      },
    ],
    steps: [
      {
        id: 'log',
        name: 'Log',
        action: 'debug:log',
        input: { message: 'platform' },
        ...PLATFORM_ONLY,
      },
    ],
  },
};

const entities = [
  group('platform-team'),
  group('data-engineering'),
  group('analytics'),
  user('alice', 'data-engineering'),
  user('bob', 'analytics'),
  user('ada', 'platform-team'),
  component('orders-trino', 'group:default/data-engineering'),
  component('reports-superset', 'group:default/analytics'),
  platformTemplate,
];

/**
 * The user info service as the auth backend's sign-in computes it: the
 * user's own ref plus the groups the catalog says it is a member of
 * (Backstage's default ownership resolution), so the policy sees real
 * ownership claims.
 */
const catalogUserInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: { discovery: coreServices.discovery, auth: coreServices.auth },
  factory({ discovery, auth }) {
    return {
      async getUserInfo(credentials) {
        if (!auth.isPrincipal(credentials, 'user')) {
          throw new TypeError('Not a user');
        }
        const { userEntityRef } = credentials.principal;
        const [, namespaceAndName] = userEntityRef.split(':');
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: await auth.getOwnServiceCredentials(),
          targetPluginId: 'catalog',
        });
        const res = await fetch(
          `${await discovery.getBaseUrl(
            'catalog',
          )}/entities/by-name/user/${namespaceAndName}`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        const entity: Entity | undefined = res.ok
          ? await res.json()
          : undefined;
        const groups = (entity?.relations ?? [])
          .filter(r => r.type === 'memberOf')
          .map(r => r.targetRef);
        return {
          userEntityRef,
          ownershipEntityRefs: [userEntityRef, ...groups],
        };
      },
    };
  },
});

/**
 * The mock auth service, with on-behalf-of tokens that say which plugin acts
 * for the user (the `actor` the real auth service puts in them). The
 * permission backend lets a plugin acting for a user ask about a resource
 * permission without a resourceRef, as the scaffolder does for templates
 * and actions.
 */
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const auth = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: auth.authenticate.bind(auth),
      getNoneCredentials: auth.getNoneCredentials.bind(auth),
      getOwnServiceCredentials: auth.getOwnServiceCredentials.bind(auth),
      isPrincipal: auth.isPrincipal.bind(auth) as typeof auth.isPrincipal,
      getLimitedUserToken: auth.getLimitedUserToken.bind(auth),
      listPublicServiceKeys: auth.listPublicServiceKeys.bind(auth),
      async getPluginRequestToken(options) {
        const { onBehalfOf } = options;
        if (auth.isPrincipal(onBehalfOf, 'user')) {
          return {
            token: mockCredentials.user.token(
              onBehalfOf.principal.userEntityRef,
              { actor: { subject: `plugin:${plugin.getId()}` } },
            ),
          };
        }
        return auth.getPluginRequestToken(options);
      },
    };
  },
});

async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('Timed out');
}

jest.setTimeout(60_000);

describe('permissionModuleDatastackPolicy through the real permission backend', () => {
  let server: Parameters<typeof request>[0];
  let stop: () => Promise<void>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'datastack-policy-'));
    const file = path.join(dir, 'entities.yaml');
    await writeFile(file, entities.map(e => JSON.stringify(e)).join('\n---\n'));
    const backend = await startTestBackend({
      features: [
        permissionPlugin,
        permissionModuleDatastackPolicy,
        catalogPlugin,
        catalogModuleScaffolderEntityModel,
        scaffolderPlugin,
        catalogUserInfo,
        authWithActors,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Group', 'User', 'Template'] }],
              locations: [{ type: 'file', target: file }],
            },
            datastack: {
              tenancy: { adminGroups: ['group:default/platform-team'] },
            },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
    // Every entity processed, relations included (ownership comes from them).
    await eventually(async () => {
      const res = await request(server)
        .get('/api/catalog/entities/by-name/user/default/ada')
        .set('authorization', mockCredentials.service.header());
      const ok =
        res.status === 200 &&
        res.body.relations?.some((r: any) => r.type === 'memberOf');
      const template = await request(server)
        .get(
          '/api/catalog/entities/by-name/template/default/platform-operators',
        )
        .set('authorization', mockCredentials.service.header());
      const owned = await request(server)
        .get('/api/catalog/entities/by-name/component/default/reports-superset')
        .set('authorization', mockCredentials.service.header());
      return ok &&
        template.status === 200 &&
        owned.body.relations?.some((r: any) => r.type === 'ownedBy')
        ? true
        : undefined;
    });
  });

  afterAll(async () => {
    await stop?.();
    await rm(dir, { recursive: true, force: true });
  });

  async function authorize(
    userRef: string,
    items: { permission: Permission; resourceRef?: string }[],
  ) {
    const res = await request(server)
      .post('/api/permission/authorize')
      .set('authorization', mockCredentials.user.header(userRef))
      .send({ items: items.map((item, i) => ({ id: String(i), ...item })) });
    expect(res.status).toBe(200);
    return res.body.items as Array<{ result: AuthorizeResult } & any>;
  }

  async function results(
    userRef: string,
    items: { permission: Permission; resourceRef?: string }[],
  ) {
    return (await authorize(userRef, items)).map(d => d.result);
  }

  const onEach = (permission: Permission) => [
    { permission, resourceRef: ALICE_COMPONENT },
    { permission, resourceRef: BOB_COMPONENT },
  ];

  it('lets alice sync and propose upgrades for her team’s entity but not bob’s', async () => {
    for (const permission of [
      datastackApplicationSyncPermission,
      datastackUpgradeProposePermission,
      catalogEntityRefreshPermission,
      catalogEntityDeletePermission,
    ]) {
      expect(await results(ALICE, onEach(permission))).toEqual([
        AuthorizeResult.ALLOW,
        AuthorizeResult.DENY,
      ]);
      expect(await results(BOB, onEach(permission))).toEqual([
        AuthorizeResult.DENY,
        AuthorizeResult.ALLOW,
      ]);
    }
  });

  it('lets both read both entities, their health and upgrades, and the fleet', async () => {
    for (const userRef of [ALICE, BOB]) {
      expect(
        await results(userRef, [
          ...onEach(catalogEntityReadPermission),
          ...onEach(datastackHealthReadPermission),
          ...onEach(datastackUpgradeReadPermission),
          { permission: datastackFleetReadPermission },
          { permission: datastackClusterReadPermission },
        ]),
      ).toEqual(Array(8).fill(AuthorizeResult.ALLOW));
    }
  });

  it('lets the platform admin do everything, on every team’s entity', async () => {
    expect(
      await results(ADA, [
        ...onEach(datastackApplicationSyncPermission),
        ...onEach(datastackUpgradeProposePermission),
        ...onEach(catalogEntityDeletePermission),
        { permission: datastackPlatformManagePermission },
      ]),
    ).toEqual(Array(7).fill(AuthorizeResult.ALLOW));
  });

  it('keeps datastack.platform.manage to the admin group', async () => {
    const manage = [{ permission: datastackPlatformManagePermission }];
    expect(await results(ALICE, manage)).toEqual([AuthorizeResult.DENY]);
    expect(await results(BOB, manage)).toEqual([AuthorizeResult.DENY]);
    expect(await results(ADA, manage)).toEqual([AuthorizeResult.ALLOW]);
  });

  it('hands the scaffolder a condition that refuses the platform actions to others', async () => {
    // As the scaffolder asks when it runs alice's task.
    const res = await request(server)
      .post('/api/permission/authorize')
      .set(
        'authorization',
        `Bearer ${mockCredentials.user.token(ALICE, {
          actor: { subject: 'plugin:scaffolder' },
        })}`,
      )
      .send({ items: [{ id: '1', permission: actionExecutePermission }] });
    const [decision] = res.body.items;
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'scaffolder',
      resourceType: 'scaffolder-action',
      conditions: {
        not: {
          anyOf: [
            {
              rule: 'HAS_ACTION_ID',
              params: { actionId: 'datastack:platform:render' },
            },
          ],
        },
      },
    });
  });

  it('hides the platform template’s parameters and steps from alice, not from the admin', async () => {
    const schema = (userRef: string) =>
      request(server)
        .get(
          '/api/scaffolder/v2/templates/default/template/platform-operators/parameter-schema',
        )
        .set('authorization', mockCredentials.user.header(userRef));
    const forAlice = await schema(ALICE);
    expect(forAlice.status).toBe(200);
    expect(forAlice.body.steps).toEqual([]);
    const forAda = await schema(ADA);
    expect(forAda.body.steps.map((s: any) => s.title)).toEqual(['Operators']);

    const task = async (userRef: string) => {
      const created = await request(server)
        .post('/api/scaffolder/v2/tasks')
        .set('authorization', mockCredentials.user.header(userRef))
        .send({
          templateRef: 'template:default/platform-operators',
          values: {},
        });
      expect(created.status).toBe(201);
      const res = await request(server)
        .get(`/api/scaffolder/v2/tasks/${created.body.id}`)
        .set('authorization', mockCredentials.user.header(userRef));
      return res.body.spec.steps.map((s: any) => s.action);
    };
    expect(await task(ALICE)).toEqual([]);
    expect(await task(ADA)).toEqual(['debug:log']);
  });

  it('lets a signed-in user of no team read, and write nothing', async () => {
    const carol = 'user:default/carol';
    expect(
      await results(carol, [
        ...onEach(catalogEntityReadPermission),
        ...onEach(datastackApplicationSyncPermission),
        { permission: datastackPlatformManagePermission },
      ]),
    ).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.ALLOW,
      AuthorizeResult.DENY,
      AuthorizeResult.DENY,
      AuthorizeResult.DENY,
    ]);
  });

  it('denies a request without a user, even a read', async () => {
    // Only the `none` principal reaches a policy without a user (when
    // backend.auth.dangerouslyDisableDefaultAuthPolicy is set); service
    // principals never do: the permissions service decides them from their
    // access restrictions.
    const policy = new DatastackPermissionPolicy({
      adminGroups: ['group:default/platform-team'],
    });
    await expect(
      policy.handle({ permission: datastackFleetReadPermission }),
    ).resolves.toEqual({ result: AuthorizeResult.DENY });
  });
});

describe('permissionModuleDatastackPolicy configuration', () => {
  it('fails start-up naming the adminGroups entry that is not a group', async () => {
    await expect(
      startTestBackend({
        features: [
          permissionPlugin,
          permissionModuleDatastackPolicy,
          mockServices.rootConfig.factory({
            data: {
              permission: { enabled: true },
              datastack: {
                tenancy: {
                  adminGroups: [
                    'group:default/platform-team',
                    'user:default/ada',
                  ],
                },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/datastack\.tenancy\.adminGroups\[1\]/);
  });
});
