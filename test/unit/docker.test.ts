/**
 * docker/compose.yaml and docker/Dockerfile, read as Docker would read them (no Docker engine is
 * needed): the services and their wiring, the variables that must agree across services, and
 * an image that runs the CLI commands compose asks for with production dependencies only.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKER = path.join(ROOT, 'docker');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

type Env = Record<string, string>;
type Service = {
  image?: string;
  restart?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: string | number; resources?: { reservations?: { devices?: Array<{ driver?: string; count?: string | number; capabilities?: string[] }> } } };
};

/** Compose's variable syntax: ${VAR}, ${VAR:-default}, ${VAR-default}, and $$ for a literal $. */
function interpolate<T>(value: T, env: Env): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (match, name: string, op: string | undefined, fallback: string) => {
      if (match === '$$') return '$';
      const set = env[name];
      if (op === ':-') return set ? set : fallback;
      if (op === '-') return set ?? fallback;
      return set ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  return value;
}

function compose(env: Env = {}): Record<string, Service> {
  const doc = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, Service> };
  return interpolate(doc.services, env);
}

/** `--flag=value` or `--flag value` in a command list. */
function flag(command: string[] | undefined, name: string): string | undefined {
  const list = command ?? [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === name) return list[i + 1];
    if (list[i].startsWith(`${name}=`)) return list[i].slice(name.length + 1);
  }
  return undefined;
}

const gpuRequest = (s: Service) => s.deploy?.resources?.reservations?.devices?.find((d) => d.capabilities?.includes('gpu'));
const publishes = (s: Service, containerPort: number) => (s.ports ?? []).some((p) => p.split(':').at(-1) === String(containerPort));

describe('docker/compose.yaml', () => {
  const services = compose();

  test('has the six services', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'vllm-student', 'vllm-teacher', 'worker']);
  });

  test('postgres: the official image, a pg_isready healthcheck and a volume for its data', () => {
    const pg = services.postgres;
    expect(pg.image).toMatch(/^postgres:\d+/);
    expect(pg.healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(pg.volumes).toContainEqual(expect.stringMatching(/^pgdata:\/var\/lib\/postgresql\/data$/));
  });

  test('migrate runs once before api and worker, which wait for it to succeed and for postgres to be healthy', () => {
    expect(services.migrate.command).toEqual(['migrate']);
    expect(services.migrate.restart ?? 'no').toBe('no');
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  test('api, worker and migrate are the one recdial image built from docker/Dockerfile', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const s = services[name];
      expect(s.image).toBe('recdial:latest');
      expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(fs.existsSync(path.join(DOCKER, s.build!.context, s.build!.dockerfile))).toBe(true);
    }
  });

  test('api publishes 4000 and reaches the postgres service with its credentials', () => {
    const api = services.api;
    expect(api.command).toEqual(['serve']);
    expect(api.ports).toContain('4000:4000');
    const url = new URL(api.environment!.DATABASE_URL);
    const pg = services.postgres.environment!;
    expect([url.protocol, url.hostname, url.port || '5432']).toEqual(['postgres:', 'postgres', '5432']);
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, pg.POSTGRES_DB]);
    expect(services.worker.environment!.DATABASE_URL).toBe(api.environment!.DATABASE_URL);
  });

  test('worker runs `worker`, replicated, without the API healthcheck', () => {
    const worker = services.worker;
    expect(worker.command).toEqual(['worker']);
    expect(Number(worker.deploy?.replicas)).toBeGreaterThanOrEqual(1);
    expect(worker.healthcheck?.disable).toBe(true);
    expect(worker.ports).toBeUndefined();
  });

  test('both vLLM services: the vllm image, the OpenAI port, a GPU reservation, a health check, under a profile', () => {
    for (const name of ['vllm-teacher', 'vllm-student']) {
      const s = services[name];
      expect(s.image).toMatch(/^vllm\/vllm-openai:/);
      expect(flag(s.command, '--port')).toBe('8000');
      expect(publishes(s, 8000)).toBe(true);
      expect(gpuRequest(s)).toMatchObject({ driver: 'nvidia' });
      expect(Number(gpuRequest(s)!.count)).toBeGreaterThanOrEqual(1);
      expect(s.healthcheck?.test?.join(' ')).toMatch(/\/health|\/v1\/models/);
      expect(s.profiles).toContain('gpu');
    }
    // The CPU part starts alone: no other service is behind a profile.
    for (const name of ['postgres', 'migrate', 'api', 'worker']) expect(services[name].profiles).toBeUndefined();
  });

  test('the teacher serves TEACHER_MODEL with tensor parallelism over as many GPUs as it reserves', () => {
    const teacher = services['vllm-teacher'];
    expect(teacher.command![0]).toBe('meta-llama/Llama-3.3-70B-Instruct');
    expect(teacher.command![0]).toBe(services.api.environment!.TEACHER_MODEL);
    const tp = flag(teacher.command, '--tensor-parallel-size');
    expect(Number(tp)).toBeGreaterThan(1);
    expect(String(gpuRequest(teacher)!.count)).toBe(tp);
    const wider = compose({ TEACHER_TP: '8' })['vllm-teacher'];
    expect([flag(wider.command, '--tensor-parallel-size'), String(gpuRequest(wider)!.count)]).toEqual(['8', '8']);
  });

  test('the student serves the 8B base with the LoRA adapter under the name api and worker ask for', () => {
    for (const env of [{}, { STUDENT_MODEL: 'my-student' }] as Env[]) {
      const s = compose(env);
      const student = s['vllm-student'];
      expect(student.command![0]).toBe('meta-llama/Llama-3.1-8B-Instruct');
      expect(student.command).toContain('--enable-lora');
      const [name, dir] = flag(student.command, '--lora-modules')!.split('=');
      expect(name).toBe(s.api.environment!.STUDENT_MODEL);
      expect(name).toBe(s.worker.environment!.STUDENT_MODEL);
      expect(name).toBe(Object.keys(env).length ? 'my-student' : 'distillrecdial-student');
      // The adapter folder is mounted where --lora-modules points.
      expect(student.volumes).toContainEqual(expect.stringMatching(new RegExp(`:${dir}(:ro)?$`)));
      expect(Number(flag(student.command, '--max-lora-rank'))).toBeGreaterThanOrEqual(8);
    }
  });

  test('TEACHER_BASE_URL and STUDENT_BASE_URL point at the vLLM services and the ports they listen on', () => {
    for (const [role, service] of [['TEACHER', 'vllm-teacher'], ['STUDENT', 'vllm-student']] as const) {
      for (const name of ['api', 'worker']) {
        const url = new URL(services[name].environment![`${role}_BASE_URL`]);
        expect(url.hostname).toBe(service);
        expect(url.port).toBe(flag(services[service].command, '--port'));
        expect(url.pathname).toBe('/v1');
      }
    }
    // And they can point elsewhere (external endpoints, vLLM profiles off).
    expect(compose({ TEACHER_BASE_URL: 'http://gpu-1:8000/v1' }).api.environment!.TEACHER_BASE_URL).toBe('http://gpu-1:8000/v1');
  });

  test('every depends_on names a service of the file', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const dependency of Object.keys(s.depends_on ?? {})) {
        expect({ service: name, dependency, exists: dependency in services }).toEqual({ service: name, dependency, exists: true });
      }
    }
  });
});

interface Stage {
  from: string;
  name: string | null;
  lines: string[];
}

/** The Dockerfile's stages with their instructions (continuation lines joined), ARG defaults applied to FROM. */
function dockerfileStages(): Stage[] {
  const text = read('docker/Dockerfile').replace(/\\\n/g, ' ');
  const args: Env = {};
  const stages: Stage[] = [];
  let heredoc: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (heredoc) {
      if (line === heredoc) heredoc = null;
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const opens = line.match(/<<-?'?(\w+)'?/);
    if (opens) heredoc = opens[1];
    const arg = line.match(/^ARG (\w+)=(\S+)/);
    if (arg && stages.length === 0) args[arg[1]] = arg[2];
    const from = line.match(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i);
    if (from) stages.push({ from: interpolate(from[1], args), name: from[2] ?? null, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('docker/Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1)!;
  const stage = (name: string) => stages.find((s) => s.name === name)!;
  /** The stage a `COPY --from=X <path>` of the runtime stage comes from. */
  const copiedFrom = (target: string) => {
    const copy = runtime.lines.find((l) => new RegExp(`^COPY --from=(\\S+) \\S*${target}`).test(l));
    return copy ? stage(copy.match(/--from=(\S+)/)![1]) : undefined;
  };

  test('is multi-stage on node:22-bookworm-slim', () => {
    expect(stages.filter((s) => s.name).length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toBe('node:22-bookworm-slim');
    for (const s of stages) expect(s.from === 'node:22-bookworm-slim' || stages.some((o) => o.name === s.from)).toBe(true);
  });

  test('the runtime stage runs as a non-root user', () => {
    const users = runtime.lines.filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
  });

  test('dependencies are installed from the lock file, the runtime ones without dev dependencies', () => {
    const installs = (s: Stage) => s.lines.filter((l) => /\bnpm (ci|install|i)\b/.test(l));
    expect(installs(stage('deps')).join(' ')).toContain('npm ci');
    for (const l of [...installs(runtime), ...installs(copiedFrom('node_modules')!)]) {
      expect(l).toMatch(/npm ci .*--omit=dev/);
    }
    expect(runtime.lines.some((l) => /\bnpm install\b/.test(l))).toBe(false);
    // node_modules of the runtime come from the production-only stage, never from the build's.
    expect(copiedFrom('node_modules')!.lines.join(' ')).toContain('--omit=dev');
  });

  test('the build compiles with tsc and the runtime gets dist/, bin/, package.json and the sample data', () => {
    expect(stage('build').lines.some((l) => /\btsc\b/.test(l))).toBe(true);
    expect(copiedFrom('dist')?.name).toBe('build');
    for (const p of ['package.json', 'bin', 'src/sample']) expect(runtime.lines).toContainEqual(expect.stringMatching(new RegExp(`^COPY ${p} `)));
    // Everything COPY takes from the context exists and is not excluded by .dockerignore.
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const s of stages) {
      for (const l of s.lines.filter((x) => x.startsWith('COPY ') && !x.includes('--from') && !x.includes('<<'))) {
        for (const source of l.split(/\s+/).slice(1, -1)) {
          expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
          expect(ignored.some((i) => source === i || source.startsWith(`${i}/`))).toBe(false);
        }
      }
    }
  });

  test('the entrypoint is bin/recdial, which runs dist/src/cli.js; the API has a /healthz HEALTHCHECK', () => {
    expect(runtime.lines).toContainEqual('ENTRYPOINT ["node", "/app/bin/recdial"]');
    expect(runtime.lines).toContainEqual('CMD ["serve"]');
    expect(read('bin/recdial')).toContain("require('../dist/src/cli.js')");
    const tsconfig = JSON.parse(read('tsconfig.json')).compilerOptions;
    expect([tsconfig.rootDir, tsconfig.outDir]).toEqual(['.', 'dist']); // so src/cli.ts → dist/src/cli.js
    expect(runtime.lines.find((l) => l.startsWith('HEALTHCHECK'))).toContain('/healthz');
  });

  test('the commands compose runs are recdial CLI commands', () => {
    // src/cli.ts registers the command groups of src/cli/.
    const cli = [read('src/cli.ts'), ...fs.readdirSync(path.join(ROOT, 'src/cli')).filter((f) => f.endsWith('.ts')).map((f) => read(`src/cli/${f}`))].join('\n');
    const services = compose();
    const commands = new Set(Object.values(services).filter((s) => s.build).map((s) => s.command![0]));
    expect([...commands].sort()).toEqual(['migrate', 'serve', 'worker']);
    for (const c of commands) expect(cli).toMatch(new RegExp(`\\.command\\('${c}'\\)`));
  });

  test('what the image runs imports only production dependencies (dev dependencies are not installed)', () => {
    const pkg = JSON.parse(read('package.json'));
    const production = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const offending: string[] = [];
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []));
    const importPattern = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
    for (const file of ['src', 'migrations', 'generator'].flatMap((d) => walk(path.join(ROOT, d)))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(importPattern)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!production.has(name)) offending.push(`${path.relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
