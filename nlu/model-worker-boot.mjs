// Worker entry: registers tsx's TypeScript loader in this thread, then runs the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./model-worker.ts');
