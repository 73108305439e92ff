import { configure, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createStores, StoresProvider, type Stores } from '../stores';
import { fakeBridge, type FakeBridge, type FakeHandlers } from './fakeBridge';

// Two shared cores and several test runs at once: give findBy/waitFor room before calling it a failure.
configure({ asyncUtilTimeout: 5000 });

export interface Rendered extends RenderResult {
  bridge: FakeBridge;
  stores: Stores;
}

/** Renders `ui` inside fresh stores wired to a fake bridge, as main.tsx does with the real one. */
export function renderWithBridge(ui: ReactElement, handlers: FakeHandlers = {}): Rendered {
  const bridge = fakeBridge(handlers);
  const stores = createStores(bridge);
  const result = render(<StoresProvider stores={stores}>{ui}</StoresProvider>);
  return { ...result, bridge, stores };
}
