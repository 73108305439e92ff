/**
 * The desktop app's answer to an embedded horde database that is empty or damaged: the services
 * refuse to start on it (DamagedHordeDatabase), main asks the user in a dialog, and the app starts
 * again with the choice on its command line. Plain logic here; main.ts shows the dialog.
 */
export type HordeDamagedChoice = 'restore' | 'new';

const FLAG = '--if-horde-damaged=';

/** The choice this run was started with, if any. */
export function damagedChoiceFromArgv(argv: readonly string[]): HordeDamagedChoice | undefined {
  const value = argv.find((a) => a.startsWith(FLAG))?.slice(FLAG.length);
  return value === 'restore' || value === 'new' ? value : undefined;
}

/** The arguments to start again with `choice` (any earlier choice replaced). */
export function argvWithChoice(argv: readonly string[], choice: HordeDamagedChoice): string[] {
  return [...argv.filter((a) => !a.startsWith(FLAG)), `${FLAG}${choice}`];
}

export interface DamagedHordeDialog {
  message: string;
  detail: string;
  buttons: string[];
  /** The choice per button index; undefined: quit. */
  choices: (HordeDamagedChoice | undefined)[];
}

/** The dialog for a start error, or undefined when the error is not a damaged horde database. */
export function damagedHordeDialog(err: unknown): DamagedHordeDialog | undefined {
  const e = err as { rc?: unknown; message?: unknown; hint?: unknown } | null;
  if (e?.rc !== 'DamagedHordeDatabase' || typeof e.message !== 'string') return undefined;
  const canRestore = typeof e.hint === 'string' && e.hint.startsWith('Restore');
  const buttons = [...(canRestore ? ['Restore the newest backup'] : []), 'Start a new horde', 'Quit'];
  return {
    message: 'The embedded horde’s database is damaged.',
    detail: `${e.message}\n\n${typeof e.hint === 'string' ? e.hint : ''}`.trim(),
    buttons,
    choices: [...(canRestore ? (['restore'] as const) : []), 'new', undefined],
  };
}
