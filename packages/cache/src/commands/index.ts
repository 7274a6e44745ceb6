import { bitCommands } from './bitops.js';
import { clientCommands } from './client.js';
import type { CommandSpec } from './command.js';
import { connectionCommands } from './connection.js';
import { genericCommands } from './generic.js';
import { hashCommands } from './hashes.js';
import { listCommands } from './lists.js';
import { pubsubCommands } from './pubsub.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './sets.js';
import { streamCommands } from './streams.js';
import { stringCommands } from './strings.js';
import { transactionCommands } from './transactions.js';
import { zsetCommands } from './zsets.js';

/** The command table: every command of every group, described once. */
const groups: [string, CommandSpec[]][] = [
  ['connection', connectionCommands],
  ['connection', clientCommands],
  ['server', serverCommands],
  ['generic', genericCommands],
  ['string', stringCommands],
  ['bitmap', bitCommands],
  ['list', listCommands],
  ['hash', hashCommands],
  ['set', setCommands],
  ['sorted-set', zsetCommands],
  ['stream', streamCommands],
  ['pubsub', pubsubCommands],
  ['transactions', transactionCommands],
  ['scripting', scriptingCommands],
];

export const commandTable: CommandSpec[] = groups.flatMap(([group, specs]) =>
  specs.map((spec) => ({ ...spec, group })),
);
