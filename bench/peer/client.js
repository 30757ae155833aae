// The peer's client: PouchDB replicating with the peer's server, driven by
// `python -m bench.peer_bench` one JSON command per line on stdin, one JSON
// answer per line on stdout (the bench counts the bytes on the wire itself,
// through its proxy, between a command and its answer):
//   {"cmd": "load", "file": "<visits.json>"}      the author's local database (its "outbox")
//   {"cmd": "push", "remote": URL, "batch": N}    replicate author -> server, timed
//   {"cmd": "pull", "remote": URL, "batch": N}    a fresh local database replicates server -> it, timed
//   {"cmd": "warm", "remote": URL}                one untimed two-way sync of the fresh one
//   {"cmd": "noop", "remote": URL}                one two-way sync with nothing to do, timed
// Local databases are in memory (pouchdb-adapter-memory): the client's own
// storage is not what is compared, the sync protocol and server are.
'use strict';

const fs = require('fs');
const readline = require('readline');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

let author = null;
let reader = null;
let count = 0;
// One remote database object per URL, kept as an app keeps its remote
// (so a sync does not pay for setting it up again).
const remotes = new Map();

function remoteAt(url) {
  if (!remotes.has(url)) remotes.set(url, new PouchDB(url));
  return remotes.get(url);
}

function local(name) {
  count += 1;
  return new PouchDB(`${name}-${count}`, { adapter: 'memory' });
}

function seconds(started) {
  const [s, ns] = process.hrtime(started);
  return s + ns / 1e9;
}

async function timed(action) {
  const started = process.hrtime();
  const result = await action();
  return { seconds: seconds(started), result };
}

const commands = {
  async load({ file }) {
    author = local('author');
    const docs = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (let start = 0; start < docs.length; start += 1000) {
      await author.bulkDocs(docs.slice(start, start + 1000));
    }
    return { docs: (await author.info()).doc_count };
  },
  async push({ remote, batch }) {
    const { seconds: s, result } = await timed(() =>
      PouchDB.replicate(author, remoteAt(remote), { batch_size: batch }),
    );
    return { seconds: s, written: result.docs_written, ok: result.ok };
  },
  async pull({ remote, batch }) {
    reader = local('reader');
    const { seconds: s, result } = await timed(() =>
      PouchDB.replicate(remoteAt(remote), reader, { batch_size: batch }),
    );
    return { seconds: s, written: result.docs_written, ok: result.ok };
  },
  async warm({ remote }) {
    await PouchDB.sync(reader, remoteAt(remote));
    return {};
  },
  async noop({ remote }) {
    const { seconds: s, result } = await timed(() => PouchDB.sync(reader, remoteAt(remote)));
    return {
      seconds: s,
      written: result.push.docs_written + result.pull.docs_written,
      ok: result.push.ok && result.pull.ok,
    };
  },
};

const lines = readline.createInterface({ input: process.stdin });
(async () => {
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    try {
      const answer = await commands[command.cmd](command);
      process.stdout.write(JSON.stringify({ ok: true, ...answer }) + '\n');
    } catch (error) {
      process.stdout.write(JSON.stringify({ ok: false, error: String(error) }) + '\n');
    }
  }
})();
