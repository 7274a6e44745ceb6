/**
 * Replays the commands a client sent to Redis (a `redis-cli monitor` capture) against an
 * in-process Parley engine and prints the CPU time per command. With no sockets, no client and no
 * other process in the measurement, it is the steadiest way to compare two versions of the script
 * path on a busy machine (take the minimum of the rounds; the first one includes JIT warm-up and
 * the first compile of every script). Only EVAL, EVALSHA and the plain commands are replayed;
 * connection chatter (CLIENT, INFO, QUIT) and blocking commands are skipped.
 *
 *   redis-cli -p <port> monitor > capture.txt   # while BullMQ runs against that Redis
 *   npx tsx packages/cache/bench/replay.ts capture.txt [rounds]
 */
import { readFileSync } from 'node:fs';
import { Client } from '../src/server/client.js';
import { CacheEngine } from '../src/server/engine.js';

const SKIPPED = new Set(['client', 'info', 'quit', 'hello', 'select', 'ping', 'monitor']);
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };

/** The arguments of one MONITOR line (`ts [db addr] "arg" "arg"...`, sdscatrepr quoting). */
function monitorArgv(line: string): string[] {
  const argv: string[] = [];
  let i = line.indexOf('] ') + 2;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    let arg = '';
    for (i++; i < line.length && line[i] !== '"'; ) {
      if (line[i] !== '\\') arg += line[i++];
      else if (line[i + 1] === 'x') {
        arg += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
      } else {
        arg += ESCAPES[line[i + 1]!] ?? line[i + 1];
        i += 2;
      }
    }
    i++;
    argv.push(arg);
  }
  return argv;
}

const [file, roundsText = '6'] = process.argv.slice(2);
if (!file) throw new Error('usage: replay.ts <monitor capture> [rounds]');
const commands = readFileSync(file, 'latin1')
  .split('\n')
  .filter((line) => line.includes('"') && !line.includes(' lua] '))
  .map(monitorArgv)
  .filter((argv) => {
    const name = argv[0]?.toLowerCase() ?? '';
    return name !== '' && !SKIPPED.has(name) && !name.startsWith('b');
  });
const transport = { write() {}, close() {}, remoteAddress: '', localAddress: '' };
const perCommand: number[] = [];
for (let round = 0; round < Number(roundsText); round++) {
  const engine = new CacheEngine();
  const client = new Client(engine, transport);
  let errors = 0;
  const before = process.cpuUsage();
  for (const argv of commands) {
    engine.dispatch(client, argv);
    if (client.writer.take().startsWith('-')) errors++;
  }
  const used = process.cpuUsage(before);
  perCommand.push((used.user + used.system) / commands.length);
  engine.shutdown();
  if (errors > 0) console.log(`round ${round + 1}: ${errors} of ${commands.length} commands failed`);
}
console.log(
  `${commands.length} commands; CPU µs per command by round: ${perCommand.map((v) => v.toFixed(1)).join(' ')}; min ${Math.min(...perCommand).toFixed(1)}`,
);
