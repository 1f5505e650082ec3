/** Mounts the playground. `?debug` also exposes `window.phosphene` for tests and the console. */
import '../shared/zod-jitless';
import { mount } from 'svelte';
import App from './App.svelte';
import { readPageOptions } from './page-options';
import { Playground } from './state/playground.svelte';
import { exposeDebugHandle } from './debug';
import { warmOfflineCacheOnControl } from './offline-cache';
import './app.css';

const app = new Playground(readPageOptions(location.search));
if (app.options.debug) exposeDebugHandle(app);
warmOfflineCacheOnControl();
mount(App, { target: document.getElementById('app')!, props: { app } });
