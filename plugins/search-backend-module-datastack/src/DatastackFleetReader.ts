import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { CustomErrorBase } from '@backstage/errors';
import {
  fetchUpstream,
  UpstreamError,
  type UpstreamResponse,
} from '@datastack/plugin-datastack-node';
import type { FleetPage, FleetRow } from '@datastack/plugin-datastack-common';
import { z } from 'zod';

/** The largest page GET /health/fleet answers. */
export const FLEET_PAGE_SIZE = 500;
/** The datastack backend refuses offsets past this, so no fleet has more pages. */
const MAX_OFFSET = 1_000_000;

const fleetRowSchema = z.object({
  component: z.string().min(1),
  pipeline: z.string().optional(),
  entityRef: z.string().optional(),
  owner: z.string().optional(),
  environment: z.string().optional(),
  instance: z.string(),
  application: z.string(),
  status: z.string(),
  version: z.string().optional(),
});

const fleetPageSchema = z.object({
  items: z.array(fleetRowSchema),
  total: z.number().int().min(0),
  offset: z.number().int().min(0),
  limit: z.number().int().min(1),
  instances: z.array(
    z.object({
      instance: z.string(),
      status: z.enum(['ok', 'unreachable', 'error']),
      error: z.string().optional(),
    }),
  ),
});

/**
 * The parts of a FleetRow the search documents use.
 *
 * @public
 */
export type FleetFact = Pick<
  FleetRow,
  'component' | 'pipeline' | 'owner' | 'environment' | 'instance' | 'version'
>;

/**
 * Every row of the fleet, and the Argo CD instances that could not be read.
 *
 * @public
 */
export interface FleetSnapshot {
  rows: FleetFact[];
  failedInstances: Array<
    Pick<FleetPage['instances'][number], 'instance' | 'status' | 'error'>
  >;
}

/**
 * The datastack backend did not answer the fleet, or answered something else.
 *
 * @public
 */
export class DatastackFleetError extends CustomErrorBase {
  constructor(message: string, cause?: unknown) {
    super(message, cause);
    this.name = 'DatastackFleetError';
  }
}

/** @public */
export interface DatastackFleetReaderOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Milliseconds each page request may take, its body included, before it is abandoned. */
  timeoutMs: number;
  /** Bytes of one page accepted. Default 16 MiB (a page is 500 rows). */
  maxPageBytes?: number;
}

/** The message of a Backstage error body (`{error: {name, message}}`), else the status text. */
function errorMessageOf(text: string, statusText: string): string {
  try {
    const body = JSON.parse(text);
    const message = body?.error?.message;
    if (typeof message === 'string') {
      return `${body.error.name ?? 'Error'}: ${message}`.slice(0, 300);
    }
  } catch {
    // not JSON
  }
  return statusText || 'no message';
}

/**
 * Reads the whole fleet from the datastack backend's GET /health/fleet, page
 * after page, as the backend itself (a plugin-to-plugin token on behalf of
 * this plugin's service credentials), each page through fetchUpstream: a
 * timeout over the whole answer and a byte limit.
 *
 * @public
 */
export class DatastackFleetReader {
  readonly #discovery: DiscoveryService;
  readonly #auth: AuthService;
  readonly #timeoutMs: number;
  readonly #maxPageBytes: number;

  constructor(options: DatastackFleetReaderOptions) {
    this.#discovery = options.discovery;
    this.#auth = options.auth;
    this.#timeoutMs = options.timeoutMs;
    this.#maxPageBytes = options.maxPageBytes ?? 16 * 1024 * 1024;
  }

  /** The whole fleet; throws {@link DatastackFleetError} when any page fails. */
  async read(signal?: AbortSignal): Promise<FleetSnapshot> {
    const baseUrl = await this.#discovery.getBaseUrl('datastack');
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: await this.#auth.getOwnServiceCredentials(),
      targetPluginId: 'datastack',
    });
    const rows: FleetFact[] = [];
    const failed = new Map<string, FleetSnapshot['failedInstances'][number]>();
    let offset = 0;
    for (;;) {
      const page = await this.#page(baseUrl, token, offset, signal);
      for (const state of page.instances) {
        if (state.status !== 'ok') failed.set(state.instance, state);
      }
      rows.push(
        ...page.items.map(r => ({
          component: r.component,
          pipeline: r.pipeline,
          owner: r.owner,
          environment: r.environment,
          instance: r.instance,
          version: r.version,
        })),
      );
      offset += page.items.length;
      if (
        page.items.length === 0 ||
        offset >= page.total ||
        offset > MAX_OFFSET
      ) {
        break;
      }
    }
    return { rows, failedInstances: [...failed.values()] };
  }

  async #page(
    baseUrl: string,
    token: string,
    offset: number,
    signal?: AbortSignal,
  ): Promise<z.infer<typeof fleetPageSchema>> {
    const url = `${baseUrl}/health/fleet?limit=${FLEET_PAGE_SIZE}&offset=${offset}`;
    const subject = `GET /health/fleet?offset=${offset}`;
    let response: UpstreamResponse;
    try {
      response = await fetchUpstream(url, {
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${token}`,
        },
        signal,
        timeoutMs: this.#timeoutMs,
        maxBytes: this.#maxPageBytes,
        subject,
        secrets: [token],
      });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error; // the caller's abort
      if (error.failure === 'timeout') {
        throw new DatastackFleetError(
          `The datastack backend did not answer ${subject} within ${
            this.#timeoutMs
          } ms`,
        );
      }
      if (error.failure === 'too-large') {
        throw new DatastackFleetError(
          `The datastack backend answered ${subject} with more than ${
            this.#maxPageBytes
          } bytes`,
          error,
        );
      }
      throw new DatastackFleetError(
        `The datastack backend is unreachable (${subject})`,
        error,
      );
    }
    const text = response.text();
    if (!response.ok) {
      throw new DatastackFleetError(
        `The datastack backend refused ${subject}: ${
          response.status
        } ${errorMessageOf(text, response.statusText)}`,
      );
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new DatastackFleetError(
        `The datastack backend answered ${subject} with a body that is not JSON`,
      );
    }
    const parsed = fleetPageSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DatastackFleetError(
        `The datastack backend answered ${subject} with a body that is not a fleet page: ${
          issue.path.join('.') || 'body'
        }: ${issue.message}`,
      );
    }
    return parsed.data;
  }
}
