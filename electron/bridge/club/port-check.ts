import net from 'node:net';

/** Whether a TCP port can be listened on at `host` now (another program may hold it). */
export function portFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first free port of `preferred`, then any free one the OS picks. */
export async function pickPort(preferred: readonly number[], host = '0.0.0.0'): Promise<number> {
  for (const p of preferred) if (await portFree(p, host)) return p;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
