import { Stepper } from '@backstage/plugin-scaffolder-react/alpha';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { datastackApiRef } from '../../api/DatastackApi';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { ArgoCdInstancePicker, ClusterPicker } from './ArgoCdPickers';
import {
  EnvironmentsSummaryField,
  environmentLines,
} from './EnvironmentsSummary';

const TEMPLATES = path.resolve(__dirname, '../../../../../templates');

/** A template's Environments page, as the scaffolder's parameter-schema endpoint serves it. */
function environmentsPage(file: string) {
  const template = yaml.parse(
    fs.readFileSync(path.join(TEMPLATES, file), 'utf8'),
  );
  const page = template.spec.parameters.find(
    (p: { title: string }) => p.title === 'Environments',
  );
  return {
    title: template.metadata.title,
    steps: [{ title: page.title, schema: page }],
  };
}

const extensions = [
  { name: 'DatastackEnvironmentsSummary', component: EnvironmentsSummaryField },
  { name: 'DatastackArgoCdInstancePicker', component: ArgoCdInstancePicker },
  { name: 'DatastackClusterPicker', component: ClusterPicker },
];

async function renderStepper(
  manifest: ReturnType<typeof environmentsPage>,
  onCreate: jest.Mock,
) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [
          datastackApiRef,
          mockDatastackApi({ listArgoCdInstances: async () => [] }),
        ],
      ]}
    >
      <Stepper
        manifest={manifest}
        extensions={extensions}
        initialState={{ name: 'orders' }}
        onCreate={onCreate}
      />
    </TestApiProvider>,
  );
}

describe('the review step of the Datastack templates', () => {
  // The Stepper scrolls to the top of each page; jsdom has no scrolling.
  beforeAll(() => {
    jest.spyOn(window, 'scrollTo').mockImplementation(() => {});
  });
  afterAll(() => jest.restoreAllMocks());

  it('shows the data pipeline’s default environments one readable row each, not as raw key: value pairs', async () => {
    const onCreate = jest.fn(async () => {});
    await renderStepper(
      environmentsPage('data-pipeline/template.yaml'),
      onCreate,
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review' }),
    );

    const review = await screen.findByRole('table');
    expect(
      within(review)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual([
      'dev — Argo CD dev, cluster in-cluster, size small, namespaces orders-dev-<component>',
      'staging — Argo CD staging, cluster in-cluster, size medium, namespaces orders-staging-<component>',
      'prod — Argo CD prod, cluster in-cluster, size large, namespaces orders-prod-<component>',
    ]);
    // One Environments row; none of the form's own keys.
    expect(within(review).getAllByText('Environments')).toHaveLength(1);
    expect(review).not.toHaveTextContent(/argocdInstance|name:|cluster:/);

    // The task still gets the environments as the steps read them.
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(onCreate).toHaveBeenCalledWith(
      expect.objectContaining({
        name: 'orders',
        environments: [
          expect.objectContaining({
            name: 'dev',
            argocdInstance: 'dev',
            cluster: 'in-cluster',
          }),
          expect.objectContaining({ name: 'staging' }),
          expect.objectContaining({ name: 'prod' }),
        ],
      }),
    );
  });

  it('follows what the user changed on the Environments page', async () => {
    await renderStepper(
      environmentsPage('components/trino/template.yaml'),
      jest.fn(),
    );
    const cluster = (await screen.findAllByLabelText(/Destination cluster/))[0];
    fireEvent.change(cluster, {
      target: { value: 'https://prod.k8s.example.com:6443' },
    });
    await waitFor(() =>
      expect(cluster).toHaveValue('https://prod.k8s.example.com:6443'),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Review' }));

    const review = await screen.findByRole('table');
    expect(within(review).getByRole('listitem')).toHaveTextContent(
      'dev — Argo CD dev, cluster https://prod.k8s.example.com:6443, size small, namespaces orders-dev-<component>',
    );
  });
});

describe('environmentLines', () => {
  it('names the defaults the templates apply, and leaves the namespaces out until the pipeline has a name', () => {
    expect(
      environmentLines([
        { name: 'dev' },
        { name: 'prod', argocdInstance: 'prod-eu', size: 'large' },
        null,
      ]),
    ).toEqual([
      'dev — Argo CD dev, cluster in-cluster, size small',
      'prod — Argo CD prod-eu, cluster in-cluster, size large',
    ]);
    expect(environmentLines(undefined, 'orders')).toEqual([]);
  });
});
