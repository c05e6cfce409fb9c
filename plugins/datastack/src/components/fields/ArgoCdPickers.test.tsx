import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type { ArgoCdInstanceSummary } from '@datastack/plugin-datastack-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { DatastackApi, datastackApiRef } from '../../api/DatastackApi';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { ArgoCdInstancePicker, ClusterPicker } from './ArgoCdPickers';

const instances: ArgoCdInstanceSummary[] = [
  {
    name: 'dev',
    uiUrl: 'https://argocd-dev.example.com',
    status: 'ok',
    fetchedAt: '2026-11-22T04:00:00Z',
    clusters: [
      {
        name: 'in-cluster',
        server: 'https://kubernetes.default.svc',
        serverVersion: '1.30',
        connectionState: 'Successful',
      },
    ],
  },
  {
    name: 'prod',
    uiUrl: 'https://argocd-prod.example.com',
    status: 'unreachable',
    error:
      'Argo CD instance "prod" did not answer within 10000 ms (GET clusters)',
    fetchedAt: '2026-11-22T04:00:00Z',
    clusters: [],
  },
];

function api(list: DatastackApi['listArgoCdInstances']): DatastackApi {
  return mockDatastackApi({ listArgoCdInstances: list });
}

function fieldProps(onChange: jest.Mock, title: string) {
  return {
    onChange,
    formData: '',
    schema: { title, description: 'pick one' },
    required: true,
    rawErrors: [],
    idSchema: { $id: 'root_field' },
    uiSchema: {},
  } as any;
}

describe('Argo CD pickers', () => {
  it('offers the configured instances, with the state of one that is down, and returns the picked name', async () => {
    const onChange = jest.fn();
    await renderInTestApp(
      <TestApiProvider apis={[[datastackApiRef, api(async () => instances)]]}>
        <ArgoCdInstancePicker {...fieldProps(onChange, 'Argo CD instance')} />
      </TestApiProvider>,
    );
    fireEvent.mouseDown(screen.getByLabelText(/Argo CD instance/));
    expect(
      await screen.findByText('dev (https://argocd-dev.example.com)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /prod \(unreachable: Argo CD instance "prod" did not answer/,
      ),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByText('dev (https://argocd-dev.example.com)'));
    expect(onChange).toHaveBeenLastCalledWith('dev');
  });

  it('offers the clusters Argo CD knows, with server and Kubernetes version', async () => {
    const onChange = jest.fn();
    await renderInTestApp(
      <TestApiProvider apis={[[datastackApiRef, api(async () => instances)]]}>
        <ClusterPicker {...fieldProps(onChange, 'Cluster')} />
      </TestApiProvider>,
    );
    fireEvent.mouseDown(screen.getByLabelText(/Cluster/));
    const option = await screen.findByText(
      'in-cluster: https://kubernetes.default.svc, Kubernetes 1.30 (Argo CD dev)',
    );
    fireEvent.click(option);
    expect(onChange).toHaveBeenLastCalledWith('in-cluster');
  });

  it('says so and accepts typed text when nothing is configured', async () => {
    const onChange = jest.fn();
    await renderInTestApp(
      <TestApiProvider apis={[[datastackApiRef, api(async () => [])]]}>
        <ArgoCdInstancePicker {...fieldProps(onChange, 'Argo CD instance')} />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(/No Argo CD instance is configured/),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText(/Argo CD instance/), {
      target: { value: 'dev' },
    });
    expect(onChange).toHaveBeenLastCalledWith('dev');
  });

  it('falls back to typing when the backend refuses', async () => {
    const onChange = jest.fn();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [
            datastackApiRef,
            api(() =>
              Promise.reject(
                new Error('Not allowed to read Argo CD instances'),
              ),
            ),
          ],
        ]}
      >
        <ClusterPicker {...fieldProps(onChange, 'Cluster')} />
      </TestApiProvider>,
    );
    await waitFor(() =>
      expect(
        screen.getByText(
          /Could not load from the backend \(Not allowed to read Argo CD instances\)/,
        ),
      ).toBeInTheDocument(),
    );
  });
});
