import { powerMonitor } from 'electron';
import { PowerSignalAdapter, type PowerSignalSink } from './power-signals';

/** Feeds powerMonitor to the worker; must start after the app is ready. */
export function startPowerSignals(
  sink: PowerSignalSink,
  onError: (err: unknown) => void,
): PowerSignalAdapter {
  const adapter = new PowerSignalAdapter({
    source: powerMonitor,
    sink,
    onError,
  });
  adapter.start();
  return adapter;
}
