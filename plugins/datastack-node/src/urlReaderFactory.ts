import { createServiceFactory } from '@backstage/backend-plugin-api';
import { urlReaderFactoriesServiceRef } from '@backstage/backend-defaults/urlReader';
import { LocalGitUrlReader } from './gitops/LocalGitUrlReader';

/**
 * Adds the local GitOps repository reader to the backend's UrlReader, so
 * `catalog:register` can read pipelines published to the embedded default:
 * `backend.add(datastackUrlReaderFactory)`.
 *
 * @public
 */
export const datastackUrlReaderFactory = createServiceFactory({
  service: urlReaderFactoriesServiceRef,
  deps: {},
  async factory() {
    return LocalGitUrlReader.factory;
  },
});
