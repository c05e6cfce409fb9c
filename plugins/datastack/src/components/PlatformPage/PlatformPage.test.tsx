import { ResponseError } from '@backstage/errors';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { createDefaultRegistry } from '@datastack/plugin-datastack-common';
import { screen } from '@testing-library/react';
import { DatastackApi, datastackApiRef } from '../../api/DatastackApi';
import { mockDatastackApi } from '../../__testUtils__/mockDatastackApi';
import { PlatformPage } from './PlatformPage';

function apiWith(listComponents: DatastackApi['listComponents']): DatastackApi {
  return mockDatastackApi({ listComponents });
}

describe('PlatformPage', () => {
  it('lists the registry components the backend answers, with chart and version', async () => {
    const components = createDefaultRegistry().list();
    const trino = components.find(c => c.id === 'trino')!;
    await renderInTestApp(
      <TestApiProvider
        apis={[[datastackApiRef, apiWith(async () => components)]]}
      >
        <PlatformPage />
      </TestApiProvider>,
    );

    expect(await screen.findByText(trino.title)).toBeInTheDocument();
    expect(
      screen.getByText(
        `${trino.chart!.version} (app ${trino.chart!.appVersion})`,
      ),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('row')).toHaveLength(components.length + 1);
  });

  it('shows the backend error instead of an empty table', async () => {
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'NotAllowedError',
          message: 'Not allowed to read the registry',
        },
      }),
      {
        status: 403,
        statusText: 'Forbidden',
        headers: { 'content-type': 'application/json' },
      },
    );
    const error = await ResponseError.fromResponse(response);
    await renderInTestApp(
      <TestApiProvider
        apis={[[datastackApiRef, apiWith(() => Promise.reject(error))]]}
      >
        <PlatformPage />
      </TestApiProvider>,
    );

    expect(
      (await screen.findAllByText(/Not allowed to read the registry/))[0],
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
