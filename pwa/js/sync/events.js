// @ts-check
/**
 * The server's "pull now" pokes (GET /api/sync/events, Server-Sent Events). EventSource
 * cannot send an Authorization header and tokens never go in URLs, so the stream is read
 * with fetch. Heartbeats and comments are ignored; any other event is a poke.
 */

/**
 * Split an SSE byte stream into events.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<{event: string, data: string}>}
 */
async function* parse(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let raw = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    // Line ends may be \r\n, \r or \n; a \r at a chunk's end waits for the next chunk.
    raw += decoder.decode(value, { stream: true });
    const keep = raw.endsWith('\r') ? 1 : 0;
    buffer += raw.slice(0, raw.length - keep).replace(/\r\n?/g, '\n');
    raw = raw.slice(raw.length - keep);
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
      }
      if (event !== 'message' || data.length) yield { event, data: data.join('\n') };
    }
  }
}

/**
 * Keep a poke stream open until `signal` aborts, reconnecting with jittered backoff.
 * `onPoke` also runs after reconnecting from a failure (pokes may have been missed).
 * Returns (stops) on 401/403/426: the sync loop reports those.
 * @param {object} options
 * @param {string} options.url
 * @param {() => Promise<string | null> | string | null} options.getToken
 * @param {() => void} options.onPoke
 * @param {AbortSignal} options.signal
 */
export async function listen({ url, getToken, onPoke, signal }) {
  let failures = 0;
  let missed = false;
  while (!signal.aborted) {
    let since = 0;
    let ended = false;
    try {
      const token = await getToken();
      if (!token) return;
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
        cache: 'no-store',
        signal,
      });
      if ([401, 403, 426].includes(response.status)) return;
      if (response.ok && response.body) {
        if (missed) onPoke();
        missed = false;
        since = Date.now();
        for await (const { event } of parse(response.body)) {
          if (event !== 'heartbeat' && event !== 'ping') onPoke();
        }
        ended = true;
      }
    } catch {
      // Network gone or aborted: fall through to the backoff.
    }
    if (signal.aborted) return;
    // The server ends each stream after a minute: reconnect at once (a poke in between is
    // caught by the pull every 60 s).
    if (ended && Date.now() - since > 5000) {
      failures = 0;
      continue;
    }
    missed = true;
    failures += 1;
    const ceiling = Math.min(300_000, 1000 * 2 ** failures);
    // Wait, but come back at once when the network does.
    await new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        removeEventListener('online', done);
        resolve(null);
      };
      const timer = setTimeout(done, ceiling / 2 + Math.random() * (ceiling / 2));
      addEventListener('online', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
