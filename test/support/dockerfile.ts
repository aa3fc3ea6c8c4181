import { posix } from 'node:path';

/*
 * The subset of the Dockerfile format that docker/Dockerfile uses, parsed so that tests can check what it does
 * rather than how it is written: instruction case, continuation lines, comments, flag order, exec or shell form,
 * build arguments in FROM.
 */

export interface Instruction {
  keyword: string;
  args: string;
  /** The `AS` name of the stage the instruction belongs to; undefined before the first FROM and in unnamed stages. */
  stage: string | undefined;
  /** The index of its stage (0 for the first FROM); -1 before the first FROM. */
  stageIndex: number;
}

/** Instructions with their continuation lines joined; comment lines (also inside continuations) dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current !== '')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1).trim() + ' ';
      continue;
    }
    current += line;
    if (current.trim() !== '') lines.push(current.trim());
    current = '';
  }
  let stage: string | undefined;
  let stageIndex = -1;
  return lines.map((line) => {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      stageIndex++;
      stage = /\sAS\s+(\S+)$/i.exec(args)?.[1];
    }
    return { keyword: keyword.toUpperCase(), args: args.trim(), stage, stageIndex };
  });
}

/** An instruction's leading `--name=value` (or bare `--name`) options, and what follows them. */
export function instructionFlags(args: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let match = /^--([a-z-]+)(?:=(\S*))?\s*/i.exec(rest); match; match = /^--([a-z-]+)(?:=(\S*))?\s*/i.exec(rest)) {
    flags[match[1].toLowerCase()] = match[2] ?? '';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** The command an exec-form (`["a", "b"]`) or shell-form (`a b`) instruction runs, as an argv. */
export function commandArgv(text: string): string[] {
  const trimmed = text.trim();
  return trimmed.startsWith('[') ? (JSON.parse(trimmed) as string[]) : ['/bin/sh', '-c', trimmed];
}

/** `$NAME`, `${NAME}` and `${NAME:-default}` replaced by the build arguments' values. */
export function substituteArgs(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_match, braced?: string, fallback?: string, bare?: string) => values[(braced ?? bare) as string] ?? fallback ?? '',
  );
}

/** `ARG A=1` and `ARG B` as name/default pairs. */
export function argDefaults(instructions: Instruction[]): Record<string, string> {
  return Object.fromEntries(
    instructions.flatMap((i) => {
      const [, name, value] = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(i.args) ?? [];
      return name === undefined || value === undefined ? [] : [[name, value.replace(/^"(.*)"$/, '$1')]];
    }),
  );
}

export interface Stage {
  index: number;
  name: string | undefined;
  /** The image it starts from, build arguments replaced; a stage name when it starts from an earlier stage. */
  from: string;
  /** It starts from an earlier stage of this Dockerfile rather than from an image. */
  fromStage: boolean;
  instructions: Instruction[];
}

export function dockerStages(instructions: Instruction[]): Stage[] {
  const globals = argDefaults(instructions.filter((i) => i.keyword === 'ARG' && i.stageIndex === -1));
  const stages: Stage[] = [];
  for (const from of instructions.filter((i) => i.keyword === 'FROM')) {
    const image = substituteArgs(instructionFlags(from.args).rest.split(/\s+/)[0], globals);
    const fromStage = stages.some(
      (stage) => stage.name !== undefined && stage.name.toLowerCase() === image.toLowerCase(),
    );
    stages.push({
      index: from.stageIndex,
      name: from.stage,
      from: image,
      fromStage,
      instructions: instructions.filter((i) => i.stageIndex === from.stageIndex && i.keyword !== 'FROM'),
    });
  }
  return stages;
}

/** The Node major version of a Node base image: `node:20-bookworm-slim`, `docker.io/library/node:24.1`, `…/nodejs22-debian12`. */
export function nodeMajorOfImage(image: string): number | undefined {
  const match = /(?:^|\/)node:(\d+)(?:[.\-@]|$)/.exec(image) ?? /(?:^|\/)nodejs(\d+)(?:[.\-:@]|$)/.exec(image);
  return match ? Number(match[1]) : undefined;
}

/**
 * The lowest Node major an npm `engines.node` range allows: `>=20.11` gives 20, `^22 || ^24` gives 22,
 * `20.x` gives 20, `>=20 <25` gives 20.
 */
export function minimumNodeMajor(range: string): number {
  const majors = range.split('||').map((set) => {
    const lower = set.includes(' - ') ? set.split(' - ')[0] : set;
    const bounds = [...lower.matchAll(/(>=|<=|>|<|\^|~|=)?\s*v?(\d+)(\.\d+|\.[x*])?(\.\d+|\.[x*])?/g)]
      .filter(([, operator]) => operator !== '<' && operator !== '<=')
      .map(([, operator, major, minor]) => Number(major) + (operator === '>' && minor === undefined ? 1 : 0));
    if (bounds.length === 0) throw new Error(`engines.node '${range}': no lower bound in '${set.trim()}'`);
    return Math.max(...bounds);
  });
  return Math.min(...majors);
}

/** `ENV A=1 B="2"` and the legacy `ENV A 1`. */
export function envInstructionKeys(args: string): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) return [args.split(/\s+/)[0]];
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)].map((match) => match[1]);
}

/** The instructions of a stage with this keyword. */
export const stageInstructions = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
/** The shell text of every RUN of a stage, in order. */
export const runs = (stage: Stage): string[] =>
  stageInstructions(stage, 'RUN').map((i) => instructionFlags(i.args).rest);

export interface Copy {
  from: string | undefined;
  chown: string | undefined;
  sources: string[];
  /** Where it lands in the image: absolute, WORKDIR applied. */
  destination: string;
}

/** The COPY and ADD instructions of a stage, with their destinations made absolute. */
export function copies(stage: Stage): Copy[] {
  let workdir = '/';
  const result: Copy[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
    const { flags, rest } = instructionFlags(instruction.args);
    const words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    const target = words[words.length - 1];
    result.push({
      from: flags.from,
      chown: flags.chown,
      sources: words.slice(0, -1),
      destination: posix.resolve(workdir, target) + (target.endsWith('/') ? '/' : ''),
    });
  }
  return result;
}

/** `ENV A=1 B="2"` and the legacy `ENV A 1` of a stage, as a map. */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    stageInstructions(stage, 'ENV').flatMap((i) =>
      /^[A-Za-z_][A-Za-z0-9_]*=/.test(i.args)
        ? [...i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)].map((m) => [
            m[1],
            m[2].replace(/^"(.*)"$/, '$1'),
          ])
        : [[i.args.split(/\s+/)[0], i.args.split(/\s+/).slice(1).join(' ')]],
    ),
  );
}

/** The npm commands that change node_modules (install, ci, prune, …) in the RUNs of a stage, in order. */
export function dependencyCommands(stage: Stage): string[] {
  return runs(stage).flatMap((run) =>
    [...run.matchAll(/\bnpm\s+(ci|install|i|add|prune|uninstall|update|clean-install)\b[^&;|]*/g)].map((m) =>
      m[0].trim(),
    ),
  );
}
