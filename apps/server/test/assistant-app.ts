import type { AddressInfo } from 'node:net';
import { seedDemoSales } from '@parley/assistant';
import { findTenant, seedDemo } from '@parley/iam';
import { systemClock } from '@parley/kit';
import { accessTokenFor, createTestAppWithIam, type TestAppWithIam } from './helpers.js';

export type DemoRole = 'admin' | 'analyst' | 'guest';

export interface AssistantApp {
  t: TestAppWithIam;
  /** The server's URL on a loopback port (for streams, which inject cannot follow). */
  base: string;
  /** Authorization headers of acme's demo users. */
  auth: Record<DemoRole, Record<string, string>>;
}

/**
 * The assistant module as `parley start` runs it, on a loopback port: demo tenants and users,
 * 3,000 demo sales lines for acme, and its users signed in.
 */
export async function openAssistantApp(
  password: string,
  env: Record<string, string> = {},
): Promise<AssistantApp> {
  const t = await createTestAppWithIam({ modules: ['assistant'], env });
  await seedDemo(t.iam, password);
  const acme = (await findTenant(t.iam.db, 'acme'))!;
  await seedDemoSales(t.database.db, [acme], 3000, systemClock);
  const auth = {} as AssistantApp['auth'];
  for (const role of ['admin', 'analyst', 'guest'] as const)
    auth[role] = {
      authorization: `Bearer ${await accessTokenFor(t.app, 'acme', `${role}@acme.test`, password)}`,
    };
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, base: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, auth };
}

/** Reads a Server-Sent Events response to its end: each event's name and parsed data. */
export async function readEvents(
  response: Response,
): Promise<{ event: string; data: Record<string, unknown> }[]> {
  return (await response.text())
    .split('\n\n')
    .filter((frame) => frame.startsWith('event: '))
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      return {
        event: eventLine!.slice('event: '.length),
        data: JSON.parse(dataLine!.slice('data: '.length)),
      };
    });
}
