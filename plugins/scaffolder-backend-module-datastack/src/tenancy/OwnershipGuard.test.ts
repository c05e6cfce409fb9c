import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { OwnershipGuard } from './OwnershipGuard';

describe('OwnershipGuard', () => {
  const guard = (ownershipEntityRefs: string[]) =>
    new OwnershipGuard({
      userInfo: mockServices.userInfo({
        userEntityRef: 'user:default/alice',
        ownershipEntityRefs,
      }),
      adminGroups: ['group:default/platform-team'],
    });
  const as = (credentials = mockCredentials.user('user:default/alice')) => ({
    getInitiatorCredentials: async () => credentials,
  });

  it('lets a member of the owner act for it, whatever the case of the ref', async () => {
    await expect(
      guard([
        'user:default/alice',
        'group:default/Data-Engineering',
      ]).assertMayActFor(as(), 'group:default/data-engineering'),
    ).resolves.toBe('member');
  });

  it('lets a platform admin act for any team', async () => {
    await expect(
      guard(['group:default/platform-team']).assertMayActFor(
        as(),
        'group:default/data-engineering',
      ),
    ).resolves.toBe('admin');
  });

  it('refuses a user of another team, naming the owner and their teams', async () => {
    const result = guard([
      'user:default/alice',
      'group:default/analytics',
    ]).assertMayActFor(as(), 'group:default/data-engineering');
    await expect(result).rejects.toThrow(NotAllowedError);
    await expect(result).rejects.toThrow(
      'user:default/alice may not act for group:default/data-engineering: not a member of it (member of user:default/alice, group:default/analytics)',
    );
  });

  it('refuses a task started by a service or an external token: only users act for teams', async () => {
    await expect(
      guard(['group:default/platform-team']).assertMayActFor(
        as(mockCredentials.service('external:e2e-tests') as any),
        'group:default/data-engineering',
      ),
    ).rejects.toThrow(
      'Only a signed-in user may act for group:default/data-engineering; this task was started by a service principal',
    );
  });
});
