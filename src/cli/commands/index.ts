import { envCommand } from './env.js';
import { serveCommand } from './serve.js';
import type { Command } from './types.js';

export const commands: Command[] = [serveCommand, envCommand];
