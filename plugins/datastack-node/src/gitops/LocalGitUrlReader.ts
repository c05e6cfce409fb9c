import type {
  UrlReaderService,
  UrlReaderServiceReadTreeResponse,
  UrlReaderServiceReadUrlResponse,
  UrlReaderServiceSearchResponse,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import type { ReaderFactory } from '@backstage/backend-defaults/urlReader';
import { LocalGitRepositories } from './LocalGitRepositories';

/**
 * Reads files of the local GitOps repositories by the URLs that
 * `datastack:gitops:publish` outputs (`file://…/<name>.git/-/blob/<branch>/<path>`),
 * so the catalog can register a pipeline's catalog-info.yaml from the
 * embedded default exactly as it does from a git host.
 *
 * @public
 */
export class LocalGitUrlReader implements UrlReaderService {
  /** Add to the backend's UrlReader factories (see `datastackUrlReaderFactory`). */
  static factory: ReaderFactory = ({ config }) => {
    const repositories = LocalGitRepositories.enabledFromConfig(config);
    if (!repositories) return [];
    const reader = new LocalGitUrlReader(repositories);
    return [
      {
        reader,
        predicate: (url: URL) =>
          url.protocol === 'file:' &&
          repositories.parseFileUrl(url.href) !== undefined,
      },
    ];
  };

  constructor(private readonly repositories: LocalGitRepositories) {}

  async readUrl(url: string): Promise<UrlReaderServiceReadUrlResponse> {
    const buffer = await this.repositories.readFile(url);
    return { buffer: async () => buffer };
  }

  async readTree(): Promise<UrlReaderServiceReadTreeResponse> {
    throw new NotAllowedError(
      'Reading a whole tree of a local GitOps repository is not supported',
    );
  }

  async search(url: string): Promise<UrlReaderServiceSearchResponse> {
    if (/[*?[\]{}]/.test(url)) {
      throw new NotAllowedError(
        'Glob patterns are not supported for local GitOps repositories',
      );
    }
    const buffer = await this.repositories.readFile(url);
    return { files: [{ url, content: async () => buffer }], etag: '' };
  }

  toString(): string {
    return `datastack-local-git{root=${this.repositories.root}}`;
  }
}
