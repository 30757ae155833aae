// The peer's server: express-pouchdb on LevelDB, as a CouchDB-style sync
// server is usually run with PouchDB. Started by `python -m bench.peer_bench`:
//   node server.js <data folder> <port>
// Listens on 127.0.0.1 only and prints "ready" once it answers.
'use strict';

const path = require('path');
const express = require('express');
const PouchDB = require('pouchdb');

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error('usage: node server.js <data folder> <port>');
  process.exit(2);
}

// Every database lives in the run's own folder, on LevelDB (pouchdb's Node default).
const LevelPouch = PouchDB.defaults({ prefix: dataDir + path.sep });
const app = express();
app.use(
  '/',
  require('express-pouchdb')(LevelPouch, {
    // What PouchDB replication needs (with gzip responses), without the
    // CouchDB admin extras; the config and log files stay in the run's folder.
    mode: 'minimumForPouchDB',
    configPath: path.join(dataDir, 'config.json'),
    logPath: path.join(dataDir, 'log.txt'),
  }),
);
app.listen(Number(port), '127.0.0.1', () => console.log('ready'));
