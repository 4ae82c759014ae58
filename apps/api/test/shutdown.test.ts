import { describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';
import { loadSettings } from '../src/settings.js';
import type { ItemStore } from '../src/storage/item-store.js';
import { createMemoryItemStore } from '../src/storage/memory-item-store.js';

describe('graceful shutdown', () => {
  it('finishes a request in flight on a keep-alive connection, closes the database, reports draining meanwhile', async () => {
    const events: string[] = [];
    const memory = createMemoryItemStore();
    const slow: ItemStore = {
      ...memory,
      list: async (limit) => {
        events.push('list started');
        await new Promise((r) => setTimeout(r, 300));
        events.push('list finished');
        return memory.list(limit);
      },
      close: async () => {
        events.push('store closed');
      },
    };
    const lines: string[] = [];
    const server = await startServer(loadSettings({ DATABASE_ENGINE: 'memory', PORT: '0' }), {
      store: slow,
      host: '127.0.0.1',
      write: (l) => lines.push(l),
    });
    const inFlight = fetch(`${server.url}/api/items`);
    while (!events.includes('list started')) await new Promise((r) => setTimeout(r, 5));
    const stopped = server.shutdown('SIGTERM');
    const draining = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    const response = await inFlight;
    expect(response.status).toBe(200);
    // the keep-alive connection is closed after the response, so close() does not wait 72 s for it
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ items: [] });
    await stopped;
    expect(events).toEqual(['list started', 'list finished', 'store closed']);
    const messages = lines.map((l) => (JSON.parse(l) as { msg?: string }).msg);
    expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('shutdown complete'));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow(); // no longer listening
  });
});
