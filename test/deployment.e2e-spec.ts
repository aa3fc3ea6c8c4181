import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import * as k8sApps from 'kubernetes-models/apps/v1';
import * as k8sBatch from 'kubernetes-models/batch/v1';
import * as k8sCore from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { loadSettings, SETTING_VARIABLES } from '@argilla/config';
import {
  commandArgv,
  copies,
  dependencyCommands,
  dockerStages,
  envInstructionKeys,
  Instruction,
  instructionFlags,
  minimumNodeMajor,
  nodeMajorOfImage,
  parseDockerfile,
  runs,
  Stage,
  stageEnv,
  stageInstructions,
} from './support/dockerfile';

/*
 * The deployment files (docker/) cannot be built or run here without a container engine, so their invariants are
 * checked by reading them, and by running the parts that run without one (the entrypoint with a stand-in for node,
 * the HEALTHCHECK command against a stand-in server): what a mistake in them would break in production (a replica
 * migrating, a secret in a ConfigMap, a probe on the wrong path, a variable the server does not read, an image on
 * another Node major, development dependencies or root in the final image) fails here instead. The checks hold for
 * any way of writing the same Dockerfile (instruction case, continuation lines, flag order, exec or shell form).
 * The Kubernetes objects are also validated offline against the Kubernetes OpenAPI schemas (kubernetes-models).
 */

const ROOT = join(__dirname, '..');
const DOCKER = join(ROOT, 'docker');
const KUBERNETES = join(DOCKER, 'kubernetes');
const IMAGE = 'argilla-users:1.8.0';
/** ARGILLA_SHUTDOWN_TIMEOUT_SECONDS when it is not set. */
const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 10;

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Parses text that must hold exactly one YAML document, without errors or warnings. */
function parseYamlText<T>(text: string, label: string): T {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.length !== 1) throw new Error(`${label}: expected one YAML document`);
  const [document] = documents;
  if (document.errors.length > 0 || document.warnings.length > 0) {
    throw new Error(`${label}: ${[...document.errors, ...document.warnings].map((e) => e.message).join('; ')}`);
  }
  return document.toJS() as T;
}

const parseYaml = <T>(path: string): T => parseYamlText<T>(read(path), path);

// ------------------------------------------------------------------------------------------------------------
// The parts of the Compose and Kubernetes formats these checks read.
// ------------------------------------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  volumes?: string[];
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface Metadata {
  name: string;
  labels?: Record<string, string>;
}

interface Probe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number };
    containers: Container[];
    volumes?: { name: string; emptyDir?: Record<string, unknown> }[];
  };
}

interface Deployment {
  kind: string;
  metadata: Metadata;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { type: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    template: PodTemplate;
  };
}

interface Job {
  kind: string;
  metadata: Metadata;
  spec: { backoffLimit?: number; ttlSecondsAfterFinished?: number; template: PodTemplate };
}

interface ConfigMap {
  kind: string;
  metadata: Metadata;
  data: Record<string, unknown>;
}

interface Secret {
  kind: string;
  metadata: Metadata;
  type?: string;
  stringData?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

interface Service {
  kind: string;
  metadata: Metadata;
  spec: {
    type: string;
    selector: Record<string, string>;
    ports: { name?: string; port: number; targetPort: number | string }[];
  };
}

// ------------------------------------------------------------------------------------------------------------
// .dockerignore, Compose interpolation and .nvmrc/engines: the subsets of their rules that these files use.
// ------------------------------------------------------------------------------------------------------------

/** The Node major the project runs on: `.nvmrc` when there is one, else the lowest one `engines.node` allows. */
function projectNodeMajor(): { major: number; source: string } {
  if (existsSync(join(ROOT, '.nvmrc'))) {
    const text = read('.nvmrc').trim();
    const match = /^v?(\d+)(?:\.|$)/.exec(text);
    if (!match) throw new Error(`.nvmrc: '${text}' does not name a Node major version`);
    return { major: Number(match[1]), source: '.nvmrc' };
  }
  const { engines } = JSON.parse(read('package.json')) as { engines?: { node?: string } };
  if (!engines?.node) throw new Error('package.json has no engines.node and there is no .nvmrc');
  return { major: minimumNodeMajor(engines.node), source: `package.json engines.node '${engines.node}'` };
}

/**
 * Docker's .dockerignore rules as these patterns use them: paths relative to the context, `*` and `?` within one
 * path segment, `**` across segments, a matched folder takes everything under it, the last matching line wins and
 * `!` brings a path back.
 */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = line.replace(/^!/, '').replace(/^\//, '');
      let source = '';
      for (let i = 0; i < pattern.length; i++) {
        const char = pattern[i];
        if (char === '*' && pattern[i + 1] === '*') {
          i++;
          if (pattern[i + 1] === '/') {
            i++;
            source += '(?:.*/)?';
          } else {
            source += '.*';
          }
        } else if (char === '*') {
          source += '[^/]*';
        } else if (char === '?') {
          source += '[^/]';
        } else {
          source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        }
      }
      return { include, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.include;
    return excluded;
  };
}

/** Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match: string, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const current = env[name];
      const missing = operator?.startsWith(':') ? current === undefined || current === '' : current === undefined;
      if (operator?.endsWith('?') && missing)
        throw new Error(`required variable ${name} is missing a value: ${argument}`);
      if (operator?.endsWith('-') && missing) return argument ?? '';
      return current ?? '';
    },
  );
}

/** Every file under `path` (itself when it is a file), relative to the repository root. */
function filesUnder(path: string): string[] {
  const absolute = join(ROOT, path);
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Compose durations as these files write them: `30s`, `1m`, `1m30s`. */
function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(h|m|s)/g)];
  if (parts.map((part) => part[0]).join('') !== duration) throw new Error(`unsupported duration '${duration}'`);
  const unitSeconds: Record<string, number> = { h: 3600, m: 60, s: 1 };
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * unitSeconds[unit], 0);
}

const isSettingName = (name: string): boolean => /^(ARGILLA_|DEFAULT_USER_)/.test(name);
/** Variables the Argilla Python client reads (docs/python-clients.md names them): the client's, not the server's. */
const CLIENT_VARIABLES = ['ARGILLA_API_KEY', 'ARGILLA_API_URL', 'ARGILLA_WORKSPACE'];

const notSettings = (names: string[]): string[] =>
  names.filter(
    (name) =>
      isSettingName(name) &&
      !(SETTING_VARIABLES as readonly string[]).includes(name) &&
      !CLIENT_VARIABLES.includes(name),
  );

// ------------------------------------------------------------------------------------------------------------

const dockerfileText = read('docker/Dockerfile');
const dockerfile = parseDockerfile(dockerfileText);
const entrypoint = read('docker/entrypoint.sh');
const compose = parseYaml<ComposeFile>('docker/docker-compose.yaml');
const secret = parseYaml<Secret>('docker/kubernetes/secret.yaml');
const configMap = parseYaml<ConfigMap>('docker/kubernetes/configmap.yaml');
const job = parseYaml<Job>('docker/kubernetes/migrate-job.yaml');
const deployment = parseYaml<Deployment>('docker/kubernetes/deployment.yaml');
const service = parseYaml<Service>('docker/kubernetes/service.yaml');
const jobContainer = job.spec.template.spec.containers[0];
const serverContainer = deployment.spec.template.spec.containers[0];
const shutdownTimeoutSeconds = Number(
  configMap.data.ARGILLA_SHUTDOWN_TIMEOUT_SECONDS ?? DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
);

const instructions = (keyword: string, stage?: string): Instruction[] =>
  dockerfile.filter((i) => i.keyword === keyword && (stage === undefined || i.stage === stage));

/** A probe's or Service's port, by number or by the container port's name. */
function containerPortOf(port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return serverContainer.ports?.find((p) => p.name === port)?.containerPort;
}

const stages = dockerStages(dockerfile);
const finalStage = stages[stages.length - 1];
const stageNamed = (name: string): Stage | undefined =>
  stages.find((stage) => stage.name?.toLowerCase() === name.toLowerCase() || String(stage.index) === name);
/** A stage and the stages it is built on (FROM an earlier stage), itself first. */
const lineage = (stage: Stage): Stage[] => {
  const parent = stage.fromStage ? stageNamed(stage.from) : undefined;
  return parent === undefined ? [stage] : [stage, ...lineage(parent)];
};
/** What the image is made of: the final stage and the stages it is built on. */
const finalImage = lineage(finalStage);
/** The server's settings with nothing set but its home and a secret key: its defaults. */
const defaultSettings = loadSettings({
  ARGILLA_HOME_PATH: '/var/lib/argilla',
  ARGILLA_LOCAL_AUTH_SECRET_KEY: 'f'.repeat(64),
});
/** The route the server answers on when it is up and its database reachable. */
const HEALTH_ROUTE = '/api/_status';

/** Where a file of the build context lands in the final image, or undefined when it is not copied there. */
function imagePathOf(path: string): string | undefined {
  for (const copy of finalImage.flatMap(copies).filter((c) => c.from === undefined)) {
    for (const source of copy.sources) {
      const normalized = posix.normalize(source).replace(/^\.\//, '').replace(/\/$/, '');
      if (path === normalized) {
        return copy.destination.endsWith('/') ? posix.join(copy.destination, posix.basename(path)) : copy.destination;
      }
      if (path.startsWith(`${normalized}/`)) return posix.join(copy.destination, path.slice(normalized.length + 1));
    }
  }
  return undefined;
}

/** The last USER of the final stage as numbers; NaN where it is a name. */
function runtimeUser(): { uid: number; gid: number | undefined; text: string } {
  const users = stageInstructions(finalStage, 'USER');
  const text = users[users.length - 1]?.args ?? '';
  const [uid, gid] = text.split(':');
  return { uid: /^\d+$/.test(uid) ? Number(uid) : NaN, gid: gid === undefined ? undefined : Number(gid), text };
}

/** The container port of a Compose `ports` entry: `6900`, `8080:6900`, `127.0.0.1:8080:6900/tcp`. */
const composeContainerPort = (entry: string): number =>
  Number(
    entry
      .split(':')
      .pop()!
      .replace(/\/(tcp|udp)$/, ''),
  );

describe('docker/Dockerfile', () => {
  it('builds in one stage and runs in a later one that is not built on it', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const builders = stages.slice(0, -1).filter((stage) => runs(stage).some((run) => /\bnpm run build\b/.test(run)));
    expect(builders.map((stage) => stage.name ?? stage.index)).not.toEqual([]);
    expect(finalImage.filter((stage) => builders.includes(stage))).toEqual([]);
    expect(finalImage.flatMap(runs).filter((run) => /\bnpm run build\b|\bnest build\b|\btsc\b/.test(run))).toEqual([]);
  });

  it('bases every stage on the Node major of .nvmrc, or else the lowest one package.json engines allows', () => {
    const { major, source } = projectNodeMajor();
    const bases = stages.filter((stage) => !stage.fromStage).map((stage) => stage.from);
    expect(bases).not.toEqual([]);
    // Native modules built in one stage run in the other: every stage must be on the same major, the project's.
    expect({ source, bases: bases.map((image) => [image, nodeMajorOfImage(image)]) }).toEqual({
      source,
      bases: bases.map((image) => [image, major]),
    });
  });

  it('leaves the toolchain, the TypeScript sources and the development dependencies out of the final stage', () => {
    const finalRuns = finalImage.flatMap(runs);
    expect(
      finalRuns.filter((run) => /\b(apt-get|apt|apk|yum|dnf|microdnf)\b[^&;|]*\b(install|add)\b/.test(run)),
    ).toEqual([]);
    expect(finalRuns.filter((run) => /\bnpm\s|\bnpx\s|\byarn\s|\bpnpm\s/.test(run))).toEqual([]);
    expect(finalRuns.filter((run) => /\b(python3?|g\+\+|gcc|make|build-essential|node-gyp)\b/.test(run))).toEqual([]);

    const finalCopies = finalImage.flatMap(copies);
    // node_modules comes from a stage whose last change to its dependencies dropped the development ones.
    const moduleCopies = finalCopies.filter((copy) =>
      copy.sources.some((source) => /(^|\/)node_modules\/?$/.test(source)),
    );
    expect(moduleCopies).not.toEqual([]);
    for (const copy of moduleCopies) {
      const source = copy.from === undefined ? undefined : stageNamed(copy.from);
      expect({ from: copy.from, found: source !== undefined }).toEqual({ from: copy.from, found: true });
      const last = dependencyCommands(source!).pop() ?? '';
      expect(last).toMatch(/^npm (prune|ci|install|i|clean-install)\b.*(--omit[= ]dev|--production|--only[= ]prod)/);
    }
    // The built code comes from a stage that built it.
    const distCopies = finalCopies.filter((copy) => copy.sources.some((source) => /(^|\/)dist\/?$/.test(source)));
    expect(
      distCopies.map((copy) =>
        runs(stageNamed(copy.from ?? '') ?? finalStage).some((r) => /\bnpm run build\b/.test(r)),
      ),
    ).toEqual(distCopies.map(() => true));
    // Nothing copied from the build context is TypeScript or its configuration.
    const fromContext = finalCopies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    const files = fromContext.flatMap((source) => filesUnder(source.replace(/\/$/, '')));
    expect(files.filter((file) => /\.ts$|(^|\/)tsconfig[^/]*\.json$|(^|\/)nest-cli\.json$/.test(file))).toEqual([]);
  });

  it('runs install scripts only for the packages package.json allowScripts permits, with the toolchain they need', () => {
    const { allowScripts } = JSON.parse(read('package.json')) as { allowScripts: Record<string, boolean> };
    const allowed = Object.keys(allowScripts)
      .filter((name) => allowScripts[name])
      .sort();
    const installers = stages.filter((stage) =>
      dependencyCommands(stage).some((c) => /^npm (ci|install|i|add)\b/.test(c)),
    );
    expect(installers).not.toEqual([]);
    for (const stage of installers) {
      const commands = dependencyCommands(stage);
      // npm 10 does not read allowScripts: every install runs no scripts, then exactly the allowed ones are rebuilt.
      expect(commands.filter((c) => /^npm (ci|install|i|add)\b/.test(c) && !/--ignore-scripts\b/.test(c))).toEqual([]);
      const rebuilt = runs(stage).flatMap((run) =>
        [...run.matchAll(/\bnpm\s+rebuild\s+([^&;|]*)/g)].flatMap((m) =>
          m[1].split(/\s+/).filter((word) => word !== '' && !word.startsWith('-')),
        ),
      );
      expect(rebuilt.sort()).toEqual(allowed);
      // node-gyp compiles them when no prebuilt binary matches: Python, make and a C++ compiler.
      const toolchain = runs(stage)
        .filter((run) => /\b(apt-get|apt|apk)\b[^&;|]*\b(install|add)\b/.test(run))
        .join(' ');
      const packages = toolchain.split(/\s+/);
      const required = packages.includes('build-essential') ? ['python3'] : ['python3', 'make', 'g++'];
      expect(required.filter((tool) => !packages.includes(tool))).toEqual([]);
    }
  });

  it('runs as a numeric non-root user created in the image, the one Kubernetes runs as, which does not own the code', () => {
    const user = runtimeUser();
    expect({ user: user.text, numeric: Number.isInteger(user.uid) }).toEqual({ user: user.text, numeric: true });
    expect(user.uid).not.toBe(0);
    expect(
      finalImage
        .flatMap(runs)
        .filter((run) => new RegExp(`\\buseradd\\b[^&;|]*(--uid|-u)[ =]${user.uid}\\b`).test(run)),
    ).toHaveLength(1);
    for (const pod of [deployment.spec.template.spec, job.spec.template.spec]) {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: user.uid,
        runAsGroup: user.gid ?? user.uid,
      });
    }
    // What is copied into the final stage stays root's: the server cannot rewrite itself.
    expect(finalImage.flatMap(copies).filter((copy) => copy.chown !== undefined)).toEqual([]);
  });

  it('gives that user its home folder, which is ARGILLA_HOME_PATH, a volume, and the Compose and Kubernetes mounts', () => {
    const home = stageEnv(finalStage).ARGILLA_HOME_PATH;
    expect(home).toMatch(/^\//);
    const volumes = stageInstructions(finalStage, 'VOLUME').flatMap((i) =>
      i.args.startsWith('[') ? (JSON.parse(i.args) as string[]) : i.args.split(/\s+/),
    );
    expect(volumes).toContain(home);
    // Named volumes start with the folder's owner: it must be the runtime user's before VOLUME.
    const user = runtimeUser();
    const userName = finalImage
      .flatMap(runs)
      .map(
        (run) =>
          new RegExp(
            `\\buseradd\\b[^&;|]*(?:--uid|-u)[ =]${user.uid}\\b[^&;|]*?\\s([a-z_][a-z0-9_-]*)\\s*(?:$|&&|;|\\|)`,
          ).exec(run)?.[1],
      )
      .find(Boolean);
    const volumeIndex = finalStage.instructions.findIndex((i) => i.keyword === 'VOLUME');
    const chowned = finalStage.instructions
      .slice(0, volumeIndex)
      .filter((i) => i.keyword === 'RUN')
      .some((i) =>
        [...i.args.matchAll(/\bchown\s+(?:-\S+\s+)*([^\s:]+)(?::\S+)?\s+([^&;|]+)/g)].some(
          ([, owner, paths]) =>
            [String(user.uid), userName].includes(owner) && paths.trim().split(/\s+/).includes(home),
        ),
      );
    expect({ userName, chowned }).toEqual({ userName: expect.any(String), chowned: true });
    expect(compose.services.argilla.volumes?.map((volume) => volume.split(':')[1])).toContain(home);
    for (const container of [serverContainer, jobContainer]) {
      expect(container.volumeMounts?.map((mount) => mount.mountPath)).toContain(home);
    }
  });

  it("exposes the server's default port, the one Compose publishes and Kubernetes probes and serves", () => {
    const port = defaultSettings.port;
    const exposed = stageInstructions(finalStage, 'EXPOSE').flatMap((i) =>
      i.args.split(/\s+/).map((entry) => Number(entry.replace(/\/tcp$/, ''))),
    );
    expect(exposed).toEqual([port]);
    expect(compose.services.argilla.ports?.map(composeContainerPort)).toEqual([port]);
    expect(serverContainer.ports?.map((p) => p.containerPort)).toEqual([port]);
    expect(Number(configMap.data.ARGILLA_PORT ?? port)).toBe(port);
    expect(service.spec.ports.map((p) => containerPortOf(p.targetPort))).toEqual([port]);
  });

  it("checks its health on the server's health route and port, and fails when the server is unhealthy or down", async () => {
    const healthchecks = stageInstructions(finalStage, 'HEALTHCHECK');
    const { rest } = instructionFlags(healthchecks[healthchecks.length - 1]?.args ?? '');
    expect(rest).toMatch(/^CMD\s/i);
    const argv = commandArgv(rest.replace(/^CMD\s+/i, ''));
    expect(serverContainer.readinessProbe?.httpGet?.path).toBe(HEALTH_ROUTE);
    // Without ARGILLA_PORT it asks the server's default port.
    expect(argv.join(' ')).toContain(String(defaultSettings.port));

    let status = 200;
    const requested: string[] = [];
    const server = createServer((request, response) => {
      requested.push(request.url ?? '');
      response.statusCode = request.url?.endsWith(HEALTH_ROUTE) ? status : 404;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !isSettingName(name)));
    const check = (env: Record<string, string>): Promise<number | null> =>
      new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), { env: { ...baseEnv, ...env }, stdio: 'ignore' });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code));
      });
    try {
      expect(await check({ ARGILLA_PORT: String(port) })).toBe(0);
      expect(await check({ ARGILLA_PORT: String(port), ARGILLA_BASE_URL: '/argilla' })).toBe(0);
      status = 503;
      expect(await check({ ARGILLA_PORT: String(port) })).not.toBe(0);
      expect(requested).toEqual([HEALTH_ROUTE, `/argilla${HEALTH_ROUTE}`, HEALTH_ROUTE]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check({ ARGILLA_PORT: String(port) })).not.toBe(0);
  });

  it('puts argilla-cli, which the migration Job runs, on the PATH through bin/argilla-cli, which runs the built CLI', () => {
    expect(jobContainer.command?.[0]).toBe('argilla-cli');
    const installed = imagePathOf('bin/argilla-cli');
    expect(installed).toMatch(/^\//);
    const links = finalImage
      .flatMap(runs)
      .filter((run) =>
        new RegExp(`\\bln\\s+-s\\S*\\s+${installed}\\s+/usr/(local/)?bin(/argilla-cli)?(\\s|$)`).test(run),
      );
    expect(links).toHaveLength(1);
    expect(read('bin/argilla-cli').split('\n')[0]).toMatch(/^#!\/usr\/bin\/env node\s*$/);
    expect(read('bin/argilla-cli')).toMatch(/require\(['"]\.\.\/dist\/apps\/argilla-cli\/main(\.js)?['"]\)/);
  });

  it('copies from the build context only files that exist and that .dockerignore lets in', () => {
    const ignored = dockerignore(read('.dockerignore'));
    const sources = dockerfile
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    // npm ci needs the lock file.
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    const files = sources.flatMap((source) => filesUnder(source));
    expect(files.length).toBeGreaterThan(sources.length);
    expect(files.filter(ignored)).toEqual([]);
  });

  it('keeps dependencies, builds, local settings, databases and users files out of the build context', () => {
    const ignored = dockerignore(read('.dockerignore'));
    const outside = [
      '.git/HEAD',
      'node_modules/typeorm/package.json',
      'apps/argilla-server/node_modules/x/index.js',
      'dist/apps/argilla-server/main.js',
      'coverage/lcov.info',
      '.env',
      'docker/.env',
      'apps/argilla-server/.env',
      'libs/config/.env.local',
      '.env.production',
      'argilla.db',
      'data/argilla.db-wal',
      '.argilla/.jwt_secret',
      'users.yaml',
      'docker/users.yaml',
      '.users.yml',
      'test/server.e2e-spec.ts',
      'docker/docker-compose.yaml',
    ];
    expect(outside.filter((path) => !ignored(path))).toEqual([]);
  });
});

describe('docker/entrypoint.sh', () => {
  it('is an executable POSIX sh script with valid syntax', () => {
    expect(entrypoint.split('\n')[0]).toBe('#!/bin/sh');
    expect(statSync(join(DOCKER, 'entrypoint.sh')).mode & 0o111).toBe(0o111);
    const check = spawnSync('sh', ['-n', join(DOCKER, 'entrypoint.sh')], { encoding: 'utf8' });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('is the image entrypoint, and what it runs is in the image', () => {
    const entry = stageInstructions(finalStage, 'ENTRYPOINT');
    const argv = commandArgv(entry[entry.length - 1]?.args ?? '');
    const installed = imagePathOf('docker/entrypoint.sh');
    expect(installed).toMatch(/^\//);
    expect(argv[0]).toBe(installed);
    // The script finds the app one level above its own folder; what it starts must be copied there.
    const appDir = posix.dirname(posix.dirname(installed!));
    const started = [...entrypoint.matchAll(/\$\{?APP_DIR\}?\/([^\s"']+)/g)].map((m) => m[1]);
    expect(started).toEqual(
      expect.arrayContaining(['dist/apps/argilla-cli/main.js', 'dist/apps/argilla-server/main.js']),
    );
    const inImage = (path: string): boolean =>
      finalImage.flatMap(copies).some((copy) => `${appDir}/${path}`.startsWith(copy.destination.replace(/\/?$/, '/')));
    expect(started.filter((path) => !inImage(path))).toEqual([]);
  });

  describe('run with a stand-in for node that records its arguments', () => {
    let bin: string;
    let log: string;

    beforeAll(() => {
      bin = mkdtempSync(join(tmpdir(), 'entrypoint-node-'));
      log = join(bin, 'calls.log');
      writeFileSync(
        join(bin, 'node'),
        [
          '#!/bin/sh',
          'echo "$$ $*" >> "$CALLS_LOG"',
          'case "$*" in *" database migrate"*) exit "${MIGRATE_STATUS:-0}" ;; esac',
          'exit 0',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    });
    afterAll(() => rmSync(bin, { recursive: true, force: true }));

    /** Runs the entrypoint; returns its exit status and one [is the entrypoint's own process, arguments] per node run. */
    function run(env: Record<string, string>): { status: number | null; calls: [boolean, string][] } {
      rmSync(log, { force: true });
      const settingsFree = Object.fromEntries(Object.entries(process.env).filter(([name]) => !isSettingName(name)));
      const result = spawnSync('sh', [join(DOCKER, 'entrypoint.sh'), '--an-argument'], {
        cwd: tmpdir(),
        env: { ...settingsFree, PATH: `${bin}:${process.env.PATH}`, CALLS_LOG: log, ...env },
        encoding: 'utf8',
      });
      const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      return {
        status: result.status,
        calls: lines.map((line) => {
          const [pid, ...args] = line.split(' ');
          return [Number(pid) === result.pid, args.join(' ')];
        }),
      };
    }

    const migrate = `${ROOT}/dist/apps/argilla-cli/main.js database migrate`;
    const server = `${ROOT}/dist/apps/argilla-server/main.js --an-argument`;

    it('migrates with the built CLI, then becomes the built server (exec), passing its arguments', () => {
      expect(run({})).toEqual({
        status: 0,
        calls: [
          [false, migrate],
          [true, server],
        ],
      });
    });

    it('does not migrate when ARGILLA_MIGRATE_ON_START is false, in any of its spellings', () => {
      for (const value of ['false', ' OFF ', 'no', '0']) {
        expect(run({ ARGILLA_MIGRATE_ON_START: value })).toEqual({ status: 0, calls: [[true, server]] });
      }
      expect(run({ ARGILLA_MIGRATE_ON_START: 'true' })).toEqual({
        status: 0,
        calls: [
          [false, migrate],
          [true, server],
        ],
      });
    });

    it('stops with the migration exit status, without starting the server, when the migration fails', () => {
      expect(run({ MIGRATE_STATUS: '3' })).toEqual({ status: 3, calls: [[false, migrate]] });
    });
  });
});

describe('docker/docker-compose.yaml', () => {
  const { postgres, argilla } = compose.services;

  it('has the two services and their named volumes', () => {
    expect(Object.keys(compose.services)).toEqual(['postgres', 'argilla']);
    expect(Object.keys(compose.volumes ?? {})).toEqual(['postgres-data', 'argilla-data']);
    expect(postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(argilla.volumes).toEqual(['argilla-data:/var/lib/argilla']);
  });

  it('runs PostgreSQL 15 with a pg_isready health check and overridable credentials', () => {
    expect(postgres.image).toBe('postgres:15');
    expect(postgres.environment).toEqual({
      POSTGRES_USER: '${POSTGRES_USER:-argilla}',
      POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-argilla}',
      POSTGRES_DB: '${POSTGRES_DB:-argilla}',
    });
    expect(postgres.healthcheck?.test).toEqual([
      'CMD-SHELL',
      'pg_isready -q -h 127.0.0.1 -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"',
    ]);
  });

  it('builds the image from the repository root and starts it once PostgreSQL is healthy', () => {
    expect(argilla.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(existsSync(join(DOCKER, argilla.build!.context, argilla.build!.dockerfile))).toBe(true);
    expect(argilla.image).toBe(IMAGE);
    expect(argilla.ports).toEqual(['6900:6900']);
    expect(argilla.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(durationSeconds(argilla.stop_grace_period ?? '10s')).toBeGreaterThan(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS);
  });

  it('gives the server valid settings: PostgreSQL, the secret key from the environment, the default user', () => {
    expect(Object.keys(argilla.environment ?? {})).toEqual([
      'ARGILLA_DATABASE_URL',
      'ARGILLA_LOCAL_AUTH_SECRET_KEY',
      'DEFAULT_USER_ENABLED',
      'DEFAULT_USER_PASSWORD',
      'DEFAULT_USER_API_KEY',
      'ARGILLA_METRICS_TOKEN',
    ]);
    const hostEnv = { ARGILLA_LOCAL_AUTH_SECRET_KEY: 'f'.repeat(64) };
    const environment = Object.fromEntries(
      Object.entries(argilla.environment ?? {}).map(([name, value]) => [name, interpolate(value, hostEnv)]),
    );
    expect(environment).toEqual({
      ARGILLA_DATABASE_URL: 'postgresql://argilla:argilla@postgres:5432/argilla',
      ARGILLA_LOCAL_AUTH_SECRET_KEY: 'f'.repeat(64),
      DEFAULT_USER_ENABLED: '',
      DEFAULT_USER_PASSWORD: '',
      DEFAULT_USER_API_KEY: '',
      ARGILLA_METRICS_TOKEN: '',
    });
    const settings = loadSettings({ ARGILLA_HOME_PATH: '/var/lib/argilla', ...environment });
    expect(settings.database).toEqual({
      engine: 'postgres',
      url: 'postgresql://argilla:argilla@postgres:5432/argilla',
      poolSize: 10,
    });
    expect(settings.defaultUser).toEqual({ enabled: true, password: '1234', apiKey: 'argilla.apikey' });
    expect(settings.operations.migrateOnStart).toBe(true);
    // No /metrics unless the host sets a token.
    expect(settings.operations.metricsEnabled).toBe(false);
    const token = 'e'.repeat(64);
    const scraped = loadSettings({
      ARGILLA_HOME_PATH: '/var/lib/argilla',
      ...environment,
      ARGILLA_METRICS_TOKEN: interpolate(argilla.environment!.ARGILLA_METRICS_TOKEN, { ARGILLA_METRICS_TOKEN: token }),
    });
    expect(scraped.operations).toMatchObject({ metricsEnabled: true, metricsToken: token });
  });

  it('refuses to start without ARGILLA_LOCAL_AUTH_SECRET_KEY', () => {
    expect(() => interpolate(argilla.environment!.ARGILLA_LOCAL_AUTH_SECRET_KEY, {})).toThrow(
      'required variable ARGILLA_LOCAL_AUTH_SECRET_KEY is missing a value: set ARGILLA_LOCAL_AUTH_SECRET_KEY',
    );
    expect(() =>
      interpolate(argilla.environment!.ARGILLA_LOCAL_AUTH_SECRET_KEY, { ARGILLA_LOCAL_AUTH_SECRET_KEY: '' }),
    ).toThrow();
  });

  it("has Argilla's users-file lines commented out, and uncommenting them mounts the file and points the CLI at it", () => {
    const text = read('docker/docker-compose.yaml');
    const commented = text
      .split('\n')
      .filter((line) => /^\s*# (- \$\{PWD\}|ARGILLA_LOCAL_AUTH_USERS_DB_FILE)/.test(line));
    expect(commented).toEqual([
      '      # ARGILLA_LOCAL_AUTH_USERS_DB_FILE: /config/.users.yaml',
      '      # - ${PWD}/users.yaml:/config/.users.yaml',
    ]);
    const uncommented = text
      .split('\n')
      .map((line) => (commented.includes(line) ? line.replace('# ', '') : line))
      .join('\n');
    const service = parseYamlText<ComposeFile>(uncommented, 'uncommented compose file').services.argilla;
    expect(service.environment?.ARGILLA_LOCAL_AUTH_USERS_DB_FILE).toBe('/config/.users.yaml');
    expect(service.volumes).toEqual(['argilla-data:/var/lib/argilla', '${PWD}/users.yaml:/config/.users.yaml']);
  });
});

/** The kubernetes-models class of each apiVersion and kind the manifests use: it validates against the OpenAPI schema. */
const KUBERNETES_MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': k8sCore.ConfigMap,
  'v1/Secret': k8sCore.Secret,
  'v1/Service': k8sCore.Service,
  'apps/v1/Deployment': k8sApps.Deployment,
  'batch/v1/Job': k8sBatch.Job,
};

/** Every object of a manifest's text checked against the Kubernetes OpenAPI schemas: one message per problem. */
function kubernetesSchemaErrors(text: string, label: string): string[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    const where = `${label} #${index + 1}`;
    if (document.errors.length > 0) return document.errors.map((error) => `${where}: ${error.message}`);
    const object = document.toJS() as { apiVersion?: string; kind?: string } | null;
    if (object === null) return [];
    const model = KUBERNETES_MODELS[`${object.apiVersion}/${object.kind}`];
    if (model === undefined) return [`${where}: no model for ${object.apiVersion}/${object.kind} (add its class)`];
    try {
      new model(object as never).validate();
      return [];
    } catch (error) {
      return [`${where} (${object.kind}): ${(error as Error).message}`];
    }
  });
}

const kubernetesManifests = readdirSync(KUBERNETES)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => `docker/kubernetes/${name}`);

describe('docker/kubernetes against the Kubernetes OpenAPI schemas (kubernetes-models)', () => {
  it.each(kubernetesManifests)('%s: every object is valid', (path) => {
    expect(kubernetesSchemaErrors(read(path), path)).toEqual([]);
  });

  it('finds the problems of a broken manifest', () => {
    const text = read('docker/kubernetes/deployment.yaml');
    // A string where the schema wants an integer port.
    const quotedPort = text.replace(/containerPort:\s*(\d+)/, 'containerPort: "$1"');
    expect(quotedPort).not.toBe(text);
    expect(kubernetesSchemaErrors(quotedPort, 'deployment')).toEqual([
      'deployment #1 (Deployment): data/spec/template/spec/containers/0/ports/0/containerPort must be integer',
    ]);
    // A container without its required name, and a replica count that is not a number.
    const broken = text
      .replace(/^(\s*)- name: argilla\n\1 {2}image:/m, '$1- image:')
      .replace(/replicas:\s*\d+/, 'replicas: two');
    expect(broken).not.toBe(text);
    const errors = kubernetesSchemaErrors(broken, 'deployment');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('data/spec/replicas must be integer');
    expect(errors[0]).toContain('data/spec/template/spec/containers/0 must have required property name');
    // A ConfigMap value that is not a string (an unquoted number).
    const unquoted = read('docker/kubernetes/configmap.yaml').replace(
      /ARGILLA_PORT:\s*['"](\d+)['"]/,
      'ARGILLA_PORT: $1',
    );
    expect(kubernetesSchemaErrors(unquoted, 'configmap')).toEqual([
      'configmap #1 (ConfigMap): data/data/ARGILLA_PORT must be string',
    ]);
    // A kind there is no model for, and a document that is not YAML.
    expect(kubernetesSchemaErrors('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n', 'pod')).toEqual([
      'pod #1: no model for v1/Pod (add its class)',
    ]);
    expect(kubernetesSchemaErrors('kind: [', 'garbage')).toHaveLength(1);
  });
});

describe('docker/kubernetes', () => {
  it('has one object per file, of the expected kind and name', () => {
    expect(
      [secret, configMap, job, deployment, service].map((object) => `${object.kind}/${object.metadata.name}`),
    ).toEqual([
      'Secret/argilla-secrets',
      'ConfigMap/argilla-config',
      'Job/argilla-migrate',
      'Deployment/argilla',
      'Service/argilla',
    ]);
  });

  describe('Secret and ConfigMap', () => {
    const secretNames = [
      'ARGILLA_DATABASE_URL',
      'ARGILLA_LOCAL_AUTH_SECRET_KEY',
      'DEFAULT_USER_PASSWORD',
      'DEFAULT_USER_API_KEY',
    ];

    it('keeps the database URL and the JWT secret in the Secret, as CHANGE-ME placeholders', () => {
      expect(secret.type).toBe('Opaque');
      expect(secret.data).toBeUndefined();
      expect(Object.keys(secret.stringData ?? {})).toEqual(['ARGILLA_DATABASE_URL', 'ARGILLA_LOCAL_AUTH_SECRET_KEY']);
      expect(Object.values(secret.stringData ?? {}).filter((value) => !String(value).includes('CHANGE-ME'))).toEqual(
        [],
      );
    });

    it('keeps only non-secret settings, all strings, in the ConfigMap', () => {
      expect(Object.keys(configMap.data)).toEqual([
        'ARGILLA_PORT',
        'ARGILLA_LOG_FORMAT',
        'ARGILLA_LOG_LEVEL',
        'ARGILLA_DATABASE_POOL_SIZE',
        'ARGILLA_SHUTDOWN_TIMEOUT_SECONDS',
        'ARGILLA_MIGRATE_ON_START',
        'DEFAULT_USER_ENABLED',
      ]);
      expect(Object.keys(configMap.data).filter((name) => secretNames.includes(name))).toEqual([]);
      // Kubernetes rejects a ConfigMap whose values are not strings (an unquoted false or 6900).
      expect(Object.entries(configMap.data).filter(([, value]) => typeof value !== 'string')).toEqual([]);
      const withCredentials = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;
      expect(Object.values(configMap.data).filter((value) => withCredentials.test(String(value)))).toEqual([]);
    });

    it('makes valid settings together once the secret is replaced, with migrations left to the Job', () => {
      const published = {
        ARGILLA_HOME_PATH: '/var/lib/argilla',
        ...(configMap.data as Record<string, string>),
        ...(secret.stringData as Record<string, string>),
      };
      // As published, the placeholder JWT secret stops the server and the Job at start.
      expect(() => loadSettings(published)).toThrow(
        'Invalid settings: ARGILLA_LOCAL_AUTH_SECRET_KEY is a placeholder from the examples, not a secret: ' +
          'set it to the output of `openssl rand -hex 32`',
      );
      const settings = loadSettings({ ...published, ARGILLA_LOCAL_AUTH_SECRET_KEY: 'f'.repeat(64) });
      expect(settings.port).toBe(6900);
      expect(settings.database.engine).toBe('postgres');
      expect(settings.operations.migrateOnStart).toBe(false);
      expect(settings.operations.shutdownTimeoutSeconds).toBe(shutdownTimeoutSeconds);
    });
  });

  describe('migration Job', () => {
    it('runs argilla-cli database migrate, once, with the Deployment image and settings', () => {
      expect(jobContainer.command).toEqual(['argilla-cli', 'database', 'migrate']);
      expect(jobContainer.args).toBeUndefined();
      expect(job.spec.template.spec.containers).toHaveLength(1);
      expect(jobContainer.image).toBe(serverContainer.image);
      expect(jobContainer.envFrom).toEqual(serverContainer.envFrom);
      expect(jobContainer.env).toEqual(serverContainer.env);
      expect(job.spec.template.spec.restartPolicy).toBe('Never');
      expect(job.spec.backoffLimit).toBe(3);
      expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    });

    it('runs with the same pod security and writable folders as the server', () => {
      const { securityContext, volumes } = job.spec.template.spec;
      expect(securityContext).toEqual(deployment.spec.template.spec.securityContext);
      expect(volumes).toEqual(deployment.spec.template.spec.volumes);
      expect(jobContainer.securityContext).toEqual(serverContainer.securityContext);
      expect(jobContainer.volumeMounts).toEqual(serverContainer.volumeMounts);
    });

    it('is not one of the Service endpoints', () => {
      const labels = job.spec.template.metadata.labels;
      const matches = Object.entries(service.spec.selector).every(([key, value]) => labels[key] === value);
      expect(matches).toBe(false);
    });
  });

  describe('Deployment and Service', () => {
    const pod = deployment.spec.template.spec;

    it('runs 2 replicas of the one image, updated one at a time without losing capacity', () => {
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
      expect(pod.containers).toHaveLength(1);
      expect(serverContainer.image).toBe(IMAGE);
      expect(serverContainer.image).toBe(compose.services.argilla.image);
      const { version } = JSON.parse(read('package.json')) as { version: string };
      expect(serverContainer.image).toBe(`argilla-users:${version}`);
      expect(serverContainer.command).toBeUndefined();
    });

    it('takes its settings from the ConfigMap and the Secret', () => {
      expect(serverContainer.envFrom).toEqual([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]);
    });

    it('probes readiness on /api/_status and liveness on /api/_info (which does not use the database)', () => {
      expect(serverContainer.ports).toEqual([{ name: 'http', containerPort: 6900, protocol: 'TCP' }]);
      expect(serverContainer.readinessProbe?.httpGet?.path).toBe('/api/_status');
      expect(serverContainer.livenessProbe?.httpGet?.path).toBe('/api/_info');
      expect(serverContainer.startupProbe?.httpGet?.path).toBe('/api/_info');
      const probes = [serverContainer.readinessProbe, serverContainer.livenessProbe, serverContainer.startupProbe];
      expect(probes.map((probe) => containerPortOf(probe?.httpGet?.port))).toEqual([6900, 6900, 6900]);
      expect(Number(configMap.data.ARGILLA_PORT)).toBe(6900);
    });

    it('requests and limits CPU and memory', () => {
      expect(serverContainer.resources).toEqual({
        requests: { cpu: '100m', memory: '256Mi' },
        limits: { cpu: '1', memory: '768Mi' },
      });
    });

    it('gives in-flight requests time to finish: the grace period exceeds the preStop pause plus the shutdown timeout', () => {
      const preStop = serverContainer.lifecycle?.preStop?.exec?.command ?? [];
      expect(preStop).toEqual(['sleep', '5']);
      expect(pod.terminationGracePeriodSeconds).toBe(40);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + shutdownTimeoutSeconds);
    });

    it('runs as the image user, with a read-only root filesystem and emptyDir volumes for its home and /tmp', () => {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: runtimeUser().uid,
        runAsGroup: runtimeUser().gid ?? runtimeUser().uid,
      });
      expect(serverContainer.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(serverContainer.volumeMounts).toEqual([
        { name: 'argilla-home', mountPath: '/var/lib/argilla' },
        { name: 'tmp', mountPath: '/tmp' },
      ]);
      expect(pod.volumes).toEqual([
        { name: 'argilla-home', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
      ]);
    });

    it('is selected by its own selector and by the ClusterIP Service on port 6900', () => {
      const labels = deployment.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>): boolean =>
        Object.entries(selector).every(([key, value]) => labels[key] === value);
      expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
      expect(service.spec.type).toBe('ClusterIP');
      expect(selects(service.spec.selector)).toBe(true);
      expect(service.spec.ports.map((port) => [port.port, containerPortOf(port.targetPort)])).toEqual([[6900, 6900]]);
    });
  });
});

describe('environment variables in the deployment files', () => {
  const containers = [jobContainer, serverContainer];
  const named: Record<string, string[]> = {
    'docker-compose.yaml': [
      ...Object.values(compose.services).flatMap((s) => Object.keys(s.environment ?? {})),
      ...[...read('docker/docker-compose.yaml').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]),
    ],
    'configmap.yaml': Object.keys(configMap.data),
    'secret.yaml': [...Object.keys(secret.stringData ?? {}), ...Object.keys(secret.data ?? {})],
    'migrate-job.yaml and deployment.yaml': containers.flatMap((c) => (c.env ?? []).map((e) => e.name)),
    Dockerfile: instructions('ENV').flatMap((i) => envInstructionKeys(i.args)),
    'entrypoint.sh': [...entrypoint.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]),
  };

  it.each(Object.keys(named))('%s names only variables the project reads', (source) => {
    expect(notSettings(named[source])).toEqual([]);
  });

  it('are found where they are expected', () => {
    expect(named['Dockerfile']).toEqual(['npm_config_nodedir', 'ARGILLA_HOME_PATH']);
    expect([...new Set(named['entrypoint.sh'].filter(isSettingName))]).toEqual(['ARGILLA_MIGRATE_ON_START']);
    expect(named['secret.yaml']).toEqual(['ARGILLA_DATABASE_URL', 'ARGILLA_LOCAL_AUTH_SECRET_KEY']);
    expect(named['migrate-job.yaml and deployment.yaml']).toEqual([]);
  });

  it('and anywhere in docker/, .dockerignore, the README and docs/, comments included, are all settings', () => {
    const files = [
      '.dockerignore',
      'README.md',
      ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`),
      ...readdirSync(DOCKER).map((name) => `docker/${name}`),
      ...readdirSync(KUBERNETES).map((name) => `docker/kubernetes/${name}`),
    ].filter((path) => statSync(join(ROOT, path)).isFile());
    expect(files).toEqual(
      expect.arrayContaining(['docker/README.md', 'docker/Dockerfile', 'docs/configuration.md', 'docs/deployment.md']),
    );
    const unknown = files.flatMap((path) =>
      notSettings([...read(path).matchAll(/\b(?:ARGILLA|DEFAULT_USER)_[A-Z0-9_]*/g)].map((m) => m[0])).map(
        (name) => `${path}: ${name}`,
      ),
    );
    expect(unknown).toEqual([]);
  });
});
