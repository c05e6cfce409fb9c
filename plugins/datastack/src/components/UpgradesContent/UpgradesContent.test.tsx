import type { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type {
  ComponentUpgrade,
  ValuesDiff,
} from '@datastack/plugin-datastack-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { datastackApiRef } from '../../api/DatastackApi';
import { kafkaUpgrade, notAllowed } from '../../__testUtils__/fixtures';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { UpgradesContent } from './UpgradesContent';
import { SWRConfig } from 'swr';

function entityNamed(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'datastack.io/component': 'kafka' },
    },
    spec: {},
  };
}

// usePermission caches decisions (in swr's cache) per permission and
// resource: each test has its own cache, and its own entity.
async function renderContent(
  api: ReturnType<typeof mockDatastackApi>,
  name: string,
  allowed = true,
) {
  const permissionApi = {
    authorize: jest.fn(async () => ({
      result: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
    })),
  };
  await renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider
        apis={[
          [datastackApiRef, api],
          [permissionApiRef, permissionApi],
        ]}
      >
        <EntityProvider entity={entityNamed(name)}>
          <UpgradesContent />
        </EntityProvider>
      </TestApiProvider>
    </SWRConfig>,
  );
  return permissionApi;
}

const withUpgrade = (upgrade: ComponentUpgrade = kafkaUpgrade) =>
  mockDatastackApi({ getComponentUpgrade: jest.fn(async () => upgrade) });

describe('UpgradesContent', () => {
  it('shows where the component runs, its chart repository, and the candidates newest first with their risk', async () => {
    const api = withUpgrade();
    const permissionApi = await renderContent(api, 'orders-kafka');

    const deployed = await screen.findByRole('table', {
      name: 'Deployed versions by environment',
    });
    const rows = within(deployed).getAllByRole('row');
    // dev before prod, whatever order the backend answered.
    expect(rows[1]).toHaveTextContent('dev');
    expect(rows[1]).toHaveTextContent('kind-dev');
    expect(rows[1]).toHaveTextContent('Kubernetes v1.31.0');
    expect(rows[2]).toHaveTextContent('eks-prod');
    expect(rows[2]).toHaveTextContent('strimzi-kafka-operator 0.45.0');
    expect(api.getComponentUpgrade).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'orders-kafka',
    });
    expect(permissionApi.authorize).toHaveBeenCalledWith(
      expect.objectContaining({
        permission: expect.objectContaining({
          name: 'datastack.upgrade.propose',
        }),
        resourceRef: 'component:default/orders-kafka',
      }),
    );

    expect(
      screen.getByText(/14 versions of strimzi-kafka-operator/),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('alert').map(a => a.textContent)).toContain(
      'Unreachable Argo CD staging: Argo CD instance "staging" did not answer within 10000 ms',
    );

    const risks = screen
      .getAllByLabelText(/^Risk: /)
      .map(chip => chip.getAttribute('aria-label'));
    expect(risks).toEqual(['Risk: Blocking', 'Risk: Warning', 'Risk: OK']);
    const versions = screen
      .getAllByRole('button')
      .filter(b =>
        b.getAttribute('aria-controls')?.startsWith('datastack-candidate-'),
      )
      .map(b => b.textContent);
    // The newest is a new major: Latest, not Recommended.
    expect(versions[0]).toMatch(/^1\.2\.0.*Latest.*Major version/);
    expect(versions[0]).not.toMatch(/Recommended/);
    expect(versions[1]).toMatch(/^0\.49\.1.*Recommended/);
    expect(versions[2]).toMatch(/^0\.46\.0/);
    expect(
      screen.getByText('Recommended: 0.49.1 · Latest: 1.2.0'),
    ).toBeInTheDocument();
  });

  it('keeps the environment of an instance that did not answer, as it last did', async () => {
    const staging = {
      ...kafkaUpgrade.deployed[0],
      instance: 'staging',
      application: 'orders-kafka-staging',
      environment: 'staging',
      lastKnown: {
        status: 'unreachable' as const,
        fetchedAt: '2026-12-03T14:02:00.000Z',
      },
    };
    const api = withUpgrade({
      ...kafkaUpgrade,
      deployed: [...kafkaUpgrade.deployed, staging],
      failures: kafkaUpgrade.failures.map(f => ({
        ...f,
        lastKnownAt: staging.lastKnown.fetchedAt,
      })),
    });
    await renderContent(api, 'orders-kafka-unreachable');
    const deployed = await screen.findByRole('table', {
      name: 'Deployed versions by environment',
    });
    const rows = within(deployed).getAllByRole('row');
    // dev, staging, prod: the unreachable one keeps its place.
    expect(rows).toHaveLength(4);
    expect(rows[2]).toHaveTextContent('orders-kafka-staging');
    expect(rows[2]).toHaveTextContent(/Unreachable last known at /);
    expect(
      screen
        .getAllByRole('alert')
        .some(a =>
          /Argo CD staging: .*Its rows are shown as it last answered, at /.test(
            a.textContent ?? '',
          ),
        ),
    ).toBe(true);
  });

  it('opens the recommended candidate with its findings and inline values diff; others on demand', async () => {
    const later: ValuesDiff = {
      ...kafkaUpgrade.valuesDiff!,
      to: '1.2.0',
      changes: [
        {
          key: 'kafka.listeners',
          change: 'removed',
          from: [{ name: 'plain', port: 9092 }],
          overriddenIn: ['components/kafka/values.yaml'],
        },
      ],
      affectedOverrides: ['kafka.listeners'],
    };
    const api = mockDatastackApi({
      getComponentUpgrade: jest.fn(async () => kafkaUpgrade),
      getValuesDiff: jest.fn(async () => later),
    });
    await renderContent(api, 'orders-kafka-diff');

    // The recommended one is open: its constraint violation and its diff.
    expect(
      await screen.findByText(
        /flink requires this component at <0.49.0 \(deployed 1.9.0 in prod\)/,
      ),
    ).toBeInTheDocument();
    const diff = screen.getByRole('table', {
      name: 'Values changes 0.45.0 to 0.49.1',
    });
    expect(
      within(diff).getByText('watchAnyNamespace').closest('tr'),
    ).toHaveTextContent(
      'watchAnyNamespace~ default changedfalsetrueenvironments/prod/values/kafka.yaml',
    );
    expect(
      within(diff).getByText('kafkaInit.image').closest('tr'),
    ).toHaveTextContent('− removed{"tag":"0.45.0"}');
    expect(
      screen.getByText(/1 of your overrides affected/),
    ).toBeInTheDocument();
    expect(api.getValuesDiff).not.toHaveBeenCalled();

    // The blocking one: kube fit, the CRD removal, the hop.
    fireEvent.click(screen.getByRole('button', { name: /^1\.2\.0/ }));
    const clusters = await screen.findByRole('table', {
      name: 'Clusters for 1.2.0',
    });
    const blockers = screen
      .getAllByRole('alert')
      .find(a => a.textContent?.startsWith('What blocks 1.2.0'));
    expect(blockers).toHaveTextContent(
      'eks-prod runs Kubernetes 1.29; 1.2.0 needs 1.30 or newer.',
    );
    expect(
      screen.getByRole('list', { name: 'Why 1.2.0 is rated blocking' }),
    ).toHaveTextContent('The v1beta2 API of every Strimzi CRD is removed.');
    expect(clusters).toHaveTextContent(
      'Does not fit: Strimzi 0.51+ supports only Kubernetes >= 1.30',
    );
    expect(clusters).toHaveTextContent(
      'Removed: Kafka kafka.strimzi.io/v1beta2 is removed in Strimzi 1.0.0',
    );
    expect(
      within(screen.getByRole('list', { name: 'Upgrade path to 1.2.0' }))
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual(['0.45.0 (deployed)', 'Upgrade to 0.49.1', 'Upgrade to 1.2.0']);
    expect(
      screen.getByRole('heading', { name: 'Breaking changes' }).parentElement,
    ).toHaveTextContent('The v1beta2 API of every Strimzi CRD is removed.');

    fireEvent.click(
      screen.getByRole('button', {
        name: 'Show values changes 0.45.0 → 1.2.0',
      }),
    );
    expect(
      await screen.findByRole('table', {
        name: 'Values changes 0.45.0 to 1.2.0',
      }),
    ).toHaveTextContent('kafka.listeners');
    expect(api.getValuesDiff).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: 'orders-kafka-diff' },
      '0.45.0',
      '1.2.0',
    );
  });

  it('says when a values diff cannot be loaded, and lets the user try again', async () => {
    const api = mockDatastackApi({
      getComponentUpgrade: jest.fn(async () => kafkaUpgrade),
      getValuesDiff: jest
        .fn()
        .mockRejectedValueOnce(
          await notAllowed(
            'Not allowed to read the values of component:default/orders-kafka-nodiff',
          ),
        )
        .mockResolvedValueOnce({
          ...kafkaUpgrade.valuesDiff!,
          to: '0.46.0',
          status: 'unavailable',
          error: 'chart archive 0.46.0: 404 Not Found',
          changes: [],
        }),
    });
    await renderContent(api, 'orders-kafka-nodiff');
    fireEvent.click(await screen.findByRole('button', { name: /^0\.46\.0/ }));
    fireEvent.click(
      screen.getByRole('button', {
        name: 'Show values changes 0.45.0 → 0.46.0',
      }),
    );
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
    fireEvent.click(
      screen.getByRole('button', {
        name: 'Try again: values changes 0.45.0 → 0.46.0',
      }),
    );
    expect(
      await screen.findByText(
        /Values changes 0.45.0 → 0.46.0 could not be read/,
      ),
    ).toBeInTheDocument();
  });

  it('proposes the chosen version for the chosen environments after confirmation, then links the pull request', async () => {
    const api = mockDatastackApi({
      getComponentUpgrade: jest.fn(async () => kafkaUpgrade),
      proposeUpgrade: jest.fn(async () => ({
        branch: 'datastack/upgrade-kafka-0.46.0',
        commitHash: '9f1c2a7e0b3d4c5e6f708192a3b4c5d6e7f80912',
        files: ['environments/prod/applications/orders-kafka-prod.yaml'],
        pullRequestUrl: 'https://github.com/acme/orders-gitops/pull/7',
        repository: 'https://github.com/acme/orders-gitops',
      })),
    });
    await renderContent(api, 'orders-kafka-propose');
    fireEvent.click(
      await screen.findByRole('button', { name: 'Propose upgrade' }),
    );

    const dialog = await screen.findByRole('dialog', {
      name: 'Propose upgrade of component:default/orders-kafka-propose',
    });
    // The recommended version comes first, with why it needs care.
    expect(within(dialog).getByLabelText('Version')).toHaveValue('0.49.1');
    expect(within(dialog).getByRole('alert')).toHaveTextContent(
      '0.49.1 needs care: flink in prod requires kafka <0.49.0.',
    );
    // The first environment in promotion order, never prod, by default.
    expect(within(dialog).getByRole('checkbox', { name: 'dev' })).toBeChecked();
    expect(
      within(dialog).getByRole('checkbox', { name: 'prod' }),
    ).not.toBeChecked();
    fireEvent.change(within(dialog).getByLabelText('Version'), {
      target: { value: '0.46.0' },
    });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'prod' }));
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'dev' }));
    // Production ticked: the proposal waits for an explicit confirmation.
    const propose = within(dialog).getByRole('button', {
      name: 'Propose 0.46.0',
    });
    expect(propose).toBeDisabled();
    fireEvent.click(
      within(dialog).getByRole('checkbox', {
        name: /I want to propose 0.46.0 for production \(prod\)/,
      }),
    );
    expect(api.proposeUpgrade).not.toHaveBeenCalled();
    fireEvent.click(propose);

    await waitFor(() =>
      expect(api.proposeUpgrade).toHaveBeenCalledWith(
        {
          kind: 'Component',
          namespace: 'default',
          name: 'orders-kafka-propose',
        },
        { version: '0.46.0', environments: ['prod'] },
      ),
    );
    expect(
      (await within(dialog).findByText('Open the pull request')).closest('a'),
    ).toHaveAttribute('href', 'https://github.com/acme/orders-gitops/pull/7');
    expect(dialog).toHaveTextContent(
      'Branch datastack/upgrade-kafka-0.46.0 pushed to https://github.com/acme/orders-gitops (commit 9f1c2a7).',
    );
    expect(dialog).toHaveTextContent(
      'environments/prod/applications/orders-kafka-prod.yaml',
    );
  });

  it('shows the backend’s error when the proposal fails, keeping the dialog', async () => {
    const api = mockDatastackApi({
      getComponentUpgrade: jest.fn(async () => kafkaUpgrade),
      proposeUpgrade: jest.fn(async () => {
        throw await notAllowed(
          'Not allowed to propose upgrades of component:default/orders-kafka-refused',
        );
      }),
    });
    await renderContent(api, 'orders-kafka-refused');
    fireEvent.click(
      await screen.findByRole('button', { name: 'Propose upgrade to 0.49.1' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Propose 0.49.1' }),
    );
    expect(
      await within(dialog).findByText(
        'Not allowed to propose upgrades of component:default/orders-kafka-refused',
      ),
    ).toBeInTheDocument();
    expect(api.proposeUpgrade).toHaveBeenCalledWith(expect.anything(), {
      version: '0.49.1',
      environments: ['dev'],
    });
  });

  it('preselects no major when nothing else is recommended: the user picks it', async () => {
    const onlyMajor = {
      ...kafkaUpgrade,
      candidates: kafkaUpgrade.candidates.slice(0, 1).map(c => ({
        ...c,
        risk: 'warn' as const,
        blockers: [],
      })),
      recommended: undefined,
      latest: '1.2.0',
      valuesDiff: undefined,
    };
    const api = withUpgrade(onlyMajor);
    await renderContent(api, 'orders-kafka-major');
    expect(
      await screen.findByText(
        'No version can be recommended: every newer one is blocking or a new major version · Latest: 1.2.0',
      ),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Propose upgrade' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText('Version')).toHaveValue('');
    expect(
      within(dialog).getByRole('button', { name: 'Propose' }),
    ).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Version'), {
      target: { value: '1.2.0' },
    });
    expect(
      within(dialog).getByRole('button', { name: 'Propose 1.2.0' }),
    ).toBeEnabled();
  });

  it('disables proposing, with the reason, for a user without the propose permission', async () => {
    const api = withUpgrade();
    await renderContent(api, 'orders-kafka-readonly', false);
    await screen.findByText('Recommended: 0.49.1 · Latest: 1.2.0');
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Propose upgrade' }),
      ).toBeDisabled(),
    );
    fireEvent.mouseOver(
      screen.getByRole('button', { name: 'Propose upgrade' }).parentElement!,
    );
    expect(
      await screen.findByText(
        'You are not allowed to propose upgrades of component:default/orders-kafka-readonly',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('says plainly when the chart repository is stale and there is nothing newer', async () => {
    const api = withUpgrade({
      ...kafkaUpgrade,
      failures: [],
      candidates: [],
      recommended: undefined,
      valuesDiff: undefined,
      versions: {
        ...kafkaUpgrade.versions,
        status: 'stale',
        fetchedAt: '2026-11-20T03:00:00Z',
        checkedAt: '2026-11-22T03:00:00Z',
        error: 'oci://quay.io/strimzi-helm: 503 Service Unavailable',
      },
    });
    await renderContent(api, 'orders-kafka-stale');
    expect(
      await screen.findByText(
        `Versions may be out of date: last fetched ${new Date(
          '2026-11-20T03:00:00Z',
        ).toLocaleString()}`,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /oci:\/\/quay.io\/strimzi-helm: 503 Service Unavailable/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'No newer version is known: the chart repository could not be read.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Propose upgrade' }),
    ).toBeDisabled();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('refreshes the chart repository now, shows the fresh state and reloads the view', async () => {
    const stale = {
      ...kafkaUpgrade,
      versions: {
        ...kafkaUpgrade.versions,
        status: 'stale' as const,
        fetchedAt: '2026-11-20T03:00:00Z',
        checkedAt: '2026-11-22T03:00:00Z',
        error: 'oci://quay.io/strimzi-helm: 503 Service Unavailable',
      },
    };
    const api = mockDatastackApi({
      getComponentUpgrade: jest.fn(async () => stale),
      refreshChartVersions: jest.fn(async () => ({
        ...kafkaUpgrade.versions,
        status: 'ok' as const,
        fetchedAt: '2026-11-22T05:00:00Z',
        checkedAt: '2026-11-22T05:00:00Z',
      })),
    });
    await renderContent(api, 'orders-kafka-refresh');
    fireEvent.click(
      await screen.findByRole(
        'button',
        { name: `Refresh ${kafkaUpgrade.versions.chart} versions now` },
        { timeout: 10_000 },
      ),
    );
    expect(
      await screen.findByText(
        `Versions fetched ${new Date('2026-11-22T05:00:00Z').toLocaleString()}`,
        {},
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    expect(api.refreshChartVersions).toHaveBeenCalledWith('kafka');
    await waitFor(
      () => expect(api.getComponentUpgrade).toHaveBeenCalledTimes(2),
      { timeout: 10_000 },
    );
  });

  it('says when the component is not deployed, and when versions were never fetched', async () => {
    const api = withUpgrade({
      ...kafkaUpgrade,
      deployed: [],
      failures: [],
      candidates: [],
      recommended: undefined,
      valuesDiff: undefined,
      versions: {
        componentId: 'kafka',
        repository: 'oci://quay.io/strimzi-helm',
        chart: 'strimzi-kafka-operator',
        status: 'unknown',
        versionCount: 0,
      },
    });
    await renderContent(api, 'orders-kafka-new');
    expect(
      await screen.findByText(
        'Not deployed yet: no Argo CD Application of kafka was found.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Versions unknown: never fetched'),
    ).toBeInTheDocument();
  });

  it('shows a refused read as a permission message, not an empty view', async () => {
    const api = mockDatastackApi({
      getComponentUpgrade: jest.fn(async () => {
        throw await notAllowed(
          'Not allowed to read the upgrades of component:default/orders-kafka-denied',
        );
      }),
    });
    await renderContent(api, 'orders-kafka-denied');
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
    expect(
      screen.getByText(
        'Not allowed to read the upgrades of component:default/orders-kafka-denied',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
