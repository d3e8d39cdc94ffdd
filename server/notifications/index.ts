// The notifications domain (issue 17, part 5): the person's notices in the app (./routes.ts) and the
// background sender that e-mails them when SMTP_URL is set (./sender.ts). Notices themselves are
// written by the domains whose changes they tell of, through the outbox (./outbox.ts).
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { notificationRoutes } from './routes.ts';
import { createEmailSender, type SenderOptions } from './sender.ts';

export interface Notifications {
  router: { path: string; app: ApiApp };
  /** Starts the e-mail sender (every process runs one; a notice is still sent once). */
  start(): void;
  stop(): Promise<void>;
}

export function createNotifications(ctx: AppContext, sender: SenderOptions = {}): Notifications {
  const loop = createEmailSender(ctx, sender);
  return {
    router: { path: '/', app: notificationRoutes(ctx) },
    start: () => loop.start(),
    stop: () => loop.stop(),
  };
}
