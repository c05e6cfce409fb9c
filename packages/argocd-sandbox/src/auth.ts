/**
 * Argo CD's authentication as its API server applies it: a bearer token (or
 * the `argocd.token` cookie) on every call, a static token standing in for
 * an API key, and local users who get an HS256 JWT from POST /api/v1/session.
 */

import {
  createHmac,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { ArgoCdApiError, GrpcCode } from './errors';
import { ProjectRoleRef, parseProjectRole } from './rbac';

/** A local account of the sandbox. */
export interface SandboxUser {
  username: string;
  password: string;
}

/** Who a valid token belongs to. */
export interface Identity {
  username: string;
  /** Token issuer, `argocd` for local accounts. */
  iss: string;
  /** Set for a project-scoped token: RBAC follows that role's policies. */
  projectRole?: ProjectRoleRef;
}

const SESSION_SECONDS = 24 * 60 * 60;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Token checks of one sandbox instance. */
export class SandboxAuth {
  private readonly secret = randomBytes(32);
  private readonly revoked = new Set<string>();

  constructor(
    private readonly options: {
      token?: string;
      users: SandboxUser[];
      now: () => number;
      /** Project-scoped tokens: token → `proj:<project>:<role>`. */
      projectTokens?: Record<string, string>;
    },
  ) {
    for (const role of Object.values(options.projectTokens ?? {})) {
      if (!parseProjectRole(role)) {
        throw new Error(
          `project token role "${role}" is not of the form proj:<project>:<role>`,
        );
      }
    }
  }

  /** Without a token and users the API is open, like `argocd-server --disable-auth`. */
  get enabled(): boolean {
    return (
      this.options.token !== undefined ||
      this.options.users.length > 0 ||
      Object.keys(this.options.projectTokens ?? {}).length > 0
    );
  }

  /**
   * POST /api/v1/session
   *
   * @throws ArgoCdApiError Unauthenticated, with Argo CD's wording
   */
  login(username: unknown, password: unknown): string {
    if (typeof password !== 'string' || password === '') {
      throw new ArgoCdApiError(
        GrpcCode.Unauthenticated,
        'Blank passwords are not allowed',
      );
    }
    const user = this.options.users.find(
      u => u.username === username && safeEqual(u.password, password),
    );
    if (!user) {
      throw new ArgoCdApiError(
        GrpcCode.Unauthenticated,
        'Invalid username or password',
      );
    }
    const now = Math.floor(this.options.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: 'argocd',
        sub: `${user.username}:login`,
        exp: now + SESSION_SECONDS,
        nbf: now,
        iat: now,
        jti: randomUUID(),
      }),
    );
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  /** DELETE /api/v1/session */
  logout(token: string | undefined): void {
    if (token) this.revoked.add(token);
  }

  private sign(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }

  /** The token of a request: bearer header first, then the `argocd.token` cookie. */
  static tokenOf(
    authorization: string | undefined,
    cookie: string | undefined,
  ): string | undefined {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (bearer) return bearer[1].trim();
    const match = /(?:^|;\s*)argocd\.token=([^;]+)/.exec(cookie ?? '');
    return match ? decodeURIComponent(match[1]) : undefined;
  }

  /**
   * The identity behind a token.
   *
   * @throws ArgoCdApiError Unauthenticated: `no session information` or
   *   `invalid session: …` (golang-jwt v4 wording, as Argo CD 2.x)
   */
  authenticate(token: string | undefined): Identity {
    if (!this.enabled) return { username: 'admin', iss: 'argocd' };
    if (!token) {
      throw new ArgoCdApiError(
        GrpcCode.Unauthenticated,
        'no session information',
      );
    }
    if (
      this.options.token !== undefined &&
      safeEqual(token, this.options.token)
    ) {
      return { username: 'admin', iss: 'argocd' };
    }
    for (const [candidate, role] of Object.entries(
      this.options.projectTokens ?? {},
    )) {
      if (safeEqual(token, candidate)) {
        return {
          username: role,
          iss: 'argocd',
          projectRole: parseProjectRole(role),
        };
      }
    }
    const invalid = (why: string) =>
      new ArgoCdApiError(GrpcCode.Unauthenticated, `invalid session: ${why}`);
    const parts = token.split('.');
    if (parts.length !== 3)
      throw invalid('token contains an invalid number of segments');
    if (!safeEqual(parts[2], this.sign(`${parts[0]}.${parts[1]}`))) {
      throw invalid('signature is invalid');
    }
    let claims: { sub?: string; exp?: number; iss?: string };
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      throw invalid('token is malformed');
    }
    if (
      typeof claims.exp === 'number' &&
      claims.exp * 1000 < this.options.now()
    ) {
      throw invalid('Token is expired');
    }
    if (this.revoked.has(token))
      throw invalid('token is revoked, please re-login');
    return {
      username: String(claims.sub ?? '').replace(/:login$/, ''),
      iss: claims.iss ?? 'argocd',
    };
  }
}
