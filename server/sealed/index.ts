// The sealed method's wiring: loads the sealed-bid key at start (so a bad or unreadable key stops the
// process at once; outside production one is generated into DATA_DIR, with a warning), and returns
// the router mounted under /api. The reveal is called by the close (server/auctions/closing.ts).
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { useSealedBidKey } from './keys.ts';
import { sealedRoutes } from './routes.ts';

export function createSealed(ctx: AppContext, signer: SigningKey): { path: string; app: ApiApp } {
  const { source, generated } = useSealedBidKey(ctx.config);
  if (generated)
    ctx.log.warn(
      { source },
      'sealed-bid key generated (demo only): set SEALED_BID_KEY or SEALED_BID_KEY_FILE, the same on every process, in a deployment',
    );
  else ctx.log.info({ source }, 'sealed-bid key loaded');
  return { path: '/', app: sealedRoutes(ctx, signer) };
}
