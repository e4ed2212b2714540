/**
 * Lock-out protection seen from IAM: deleting the principal behind the last live cluster-admin
 * entry of an API-mode cluster locks everyone out just as deleting the entry would (and re-creating
 * it gives a new unique ID the entry does not match), so it is refused with IAM's DeleteConflict.
 */
import { clustersOrphanedByDeleting } from '../entries/lockout.js';
import type { IamContext } from './context.js';
import { iamError } from './errors.js';

export async function assertNotLastAdminPath(ctx: IamContext, principalArn: string): Promise<void> {
  const orphaned = await clustersOrphanedByDeleting(ctx.tx, principalArn, ctx.now, ctx.unheld);
  if (!orphaned.length) return;
  const list = orphaned.join(', ');
  throw iamError.deleteConflict(
    `Cannot delete entity, ${principalArn} is the last cluster-admin access path of cluster ${list}: deleting (or re-creating) it would leave nobody able to administer ${orphaned.length > 1 ? 'them' : 'it'}. Give another principal AmazonEKSClusterAdminPolicy at cluster scope first, or turn Entryway's lock-out protection off: entryway cluster settings --cluster ${orphaned[0]} --lockout-protection false`,
  );
}
