import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { pickBridge } from './bridge';
import { createStores, StoresProvider } from './stores';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');

const stores = createStores(pickBridge());
createRoot(root).render(
  <StrictMode>
    <StoresProvider stores={stores}>
      <App />
    </StoresProvider>
  </StrictMode>,
);
