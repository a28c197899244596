import net from "node:net";

/**
 * A port free now, for the caller to listen on next. Picked below Linux's ephemeral range (32768–60999): a port the
 * OS had just handed out for `listen(0)` could be handed out again, as the source port of any outgoing connection,
 * before the caller listens (a test once failed with EADDRINUSE so). Checked on every address, as the app listens.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
