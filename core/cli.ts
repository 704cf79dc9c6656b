import { pathToFileURL } from 'node:url';

/**
 * Shared runner for `npm run eval -- <task>` and `npm run bench -- <name>`: progress and errors go
 * to stderr, and the task's result object is printed as the LAST line of stdout, as one JSON object.
 */
export type TaskMain = (argv: string[]) => Promise<Record<string, unknown>>;

export async function runTask(kind: string, registry: Record<string, () => Promise<{ main: TaskMain }>>, argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const load = name ? registry[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run --silent ${kind} -- <${Object.keys(registry).join('|')}> [options]\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const { main } = await load();
    const result = await main(rest);
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (err) {
    process.stderr.write(`${kind} ${name}: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}

/**
 * A command's `main(argv)`, whose number is the exit code: the arguments are parsed first (a thrown
 * error is a usage error: its message goes to stderr, exit code 2), then `run` does the work. When
 * `moduleUrl` (the command's `import.meta.url`) is the script node was started with, it runs at once
 * with the process's arguments and sets process.exitCode.
 */
export function commandLine<A>(moduleUrl: string, parse: (argv: readonly string[]) => A, run: (args: A) => Promise<number>): (argv: readonly string[]) => Promise<number> {
  const main = async (argv: readonly string[]): Promise<number> => {
    let args: A;
    try {
      args = parse(argv);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    return run(args);
  };
  if (process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href) {
    void main(process.argv.slice(2)).then((code) => {
      process.exitCode = code;
    });
  }
  return main;
}
