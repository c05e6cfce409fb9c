import type { DatastackApi } from '../api/DatastackApi';

/** A DatastackApi whose methods are jest mocks, some given by the test. */
export function mockDatastackApi(
  partial: Partial<DatastackApi> = {},
): jest.Mocked<DatastackApi> {
  return {
    getStatus: jest.fn(),
    listComponents: jest.fn(),
    listArgoCdInstances: jest.fn(),
    getEntityHealth: jest.fn(),
    actOnApplication: jest.fn(),
    getFleet: jest.fn(),
    getClusterHealth: jest.fn(),
    getPlatformOperators: jest.fn(),
    getComponentUpgrade: jest.fn(),
    getValuesDiff: jest.fn(),
    proposeUpgrade: jest.fn(),
    getPipelineUpgradePlan: jest.fn(),
    getFleetUpgradePlan: jest.fn(),
    refreshChartVersions: jest.fn(),
    listChartVersions: jest.fn(),
    ...partial,
  } as jest.Mocked<DatastackApi>;
}
