// Runs sandboxed before the page: its only job is to hand the page the bridge, nothing of Electron.
import { contextBridge, ipcRenderer } from 'electron';
import type { HordeBridge } from '../../shared/bridge/contract';
import { createIpcBridge } from './ipc-bridge';

const hordeBridge = createIpcBridge(ipcRenderer) satisfies HordeBridge;

contextBridge.exposeInMainWorld('hordeBridge', hordeBridge);
