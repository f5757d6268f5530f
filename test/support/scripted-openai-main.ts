/**
 * The scripted OpenAI-compatible server as a separate process (benchmarks, manual runs):
 *
 *   node dist/test/support/scripted-openai-main.js [--port 0] [--latency 500] [--models a,b]
 *
 * Prints one JSON line `{"baseUrl": "http://127.0.0.1:PORT/v1"}` once listening; steer it through
 * the HTTP control API (POST /_control/rule|default|latency|models|reset, GET /_control/stats|requests).
 * Exits on SIGTERM or SIGINT.
 */
import { startScriptedOpenAI, type ScriptedOpenAI } from './scripted-openai';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  // Handlers first, so a SIGTERM that arrives while starting still ends the process cleanly.
  let server: ScriptedOpenAI | undefined;
  const stop = () => void (server?.close() ?? Promise.resolve()).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const models = arg('models')?.split(',').map((m) => m.trim()).filter(Boolean);
  server = await startScriptedOpenAI({
    port: Number(arg('port') ?? 0),
    latencyMs: Number(arg('latency') ?? 0),
    ...(models?.length ? { models } : {}),
  });
  process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
