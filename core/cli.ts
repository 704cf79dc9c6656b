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
